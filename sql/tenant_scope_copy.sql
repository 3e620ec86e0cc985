-- tenant_scope_copy.sql: attaches an in-memory database tenant_scope and copies into it one
-- tenant's calls of [$range_start, $range_end) and the alerts about that tenant (run while the file
-- is the default database); a per-tenant digest is then computed there (tenant_scope_use.sql) with
-- the same statements as everything else.
-- Parameters: $tenant, $range_start, $range_end.
attach ':memory:' as tenant_scope;

create table tenant_scope.requests as
select *
from requests
where coalesce(tenant, '') = $tenant and started_at >= $range_start and started_at < $range_end;

create table tenant_scope.alerts as
select *
from alerts
where dimension = 'tenant' and segment = $tenant;
