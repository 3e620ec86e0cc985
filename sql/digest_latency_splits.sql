-- digest_latency_splits.sql: for one segment, its ok calls of the week and the week before per hour
-- and per value of every version dimension, route, model and tenant: how many were slower than
-- $p95_ms (the segment's p95 last week, so 5 % of last week's calls by definition) of how many:
-- the hourly cells a latency regression is localised and attributed with.
-- Parameters: $dimension, $segment, $p95_ms, $this_week, $last_week.
select
    date_trunc('hour', started_at) as hour_start,
    route,
    model,
    coalesce(prompt_version, '') as prompt_version,
    coalesce(tenant, '') as tenant,
    coalesce(release, '') as release,
    coalesce(retrieval_config, '') as retrieval_config,
    coalesce(tool_schema_version, '') as tool_schema_version,
    coalesce(temperature::varchar, '') as temperature,
    count(*) filter (where latency_ms > $p95_ms) as slower_calls,
    count(*) as calls,
from requests
where status = 'ok'
    and started_at >= $last_week
    and started_at < $this_week + interval 7 days
    and case $dimension
        when 'route' then route = $segment
        when 'model' then model = $segment
        when 'tenant' then coalesce(tenant, '') = $segment
        else true
    end
group by all
