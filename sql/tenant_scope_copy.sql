-- tenant_scope_copy.sql: copies one tenant's calls of [$range_start, $range_end) and the alerts about
-- that tenant into the attached in-memory database tenant_scope (run while the file is the default
-- database), where a per-tenant digest is computed with the same statements as everything else.
-- Parameters: $tenant, $range_start, $range_end.
create table tenant_scope.requests as
select *
from requests
where coalesce(tenant, '') = $tenant and started_at >= $range_start and started_at < $range_end;

create table tenant_scope.alerts as
select *
from alerts
where dimension = 'tenant' and segment = $tenant;
