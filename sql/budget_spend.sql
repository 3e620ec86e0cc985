-- budget_spend.sql: one budget's spend: the cost of the calls (of one tenant, or all when $tenant
-- is NULL) from $period_start to $as_of, the part of it since $day_start (the run rate's last day),
-- and how many calls. Parameters: $tenant, $period_start, $as_of, $day_start.
select
    coalesce(sum(cost_usd), 0)::double as spent_usd,
    coalesce(sum(cost_usd) filter (where started_at >= $day_start), 0)::double as last_day_usd,
    count(*) as calls,
from requests
where started_at >= $period_start
    and started_at < $as_of
    and ($tenant is null or tenant = $tenant)
