-- tenant_scope_use.sql: makes the in-memory tenant_scope (see tenant_scope_copy.sql) the session's
-- default database: from here on every statement of this cursor sees one tenant's calls only.
use tenant_scope;
