-- digest_week_tenants.sql: the tenants with calls in [$week_start, $week_end), busiest first.
-- Parameters: $week_start, $week_end.
select tenant
from requests
where started_at >= $week_start and started_at < $week_end and tenant is not null
group by tenant
order by count(*) desc, tenant
