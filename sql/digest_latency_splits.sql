-- digest_latency_splits.sql: for one segment, the ok calls of the week and the week before that were
-- slower than $p95_ms (the segment's p95 last week), per value of every version dimension: the
-- counts a latency regression is tested and attributed with (5 % of last week's calls by definition).
-- Version dimension 'segment' (value 'all') carries the segment's totals.
-- Parameters: $dimension, $segment, $p95_ms, $this_week, $last_week.
with segment_calls as (
    select
        started_at >= $this_week as is_this_week,
        latency_ms > $p95_ms as is_slower,
        prompt_version, model, release, retrieval_config, tool_schema_version, temperature,
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
),

per_version as (
    select
        unnest(['segment', 'prompt_version', 'model', 'release', 'retrieval_config', 'tool_schema_version', 'temperature'])
            as version_dimension,
        unnest(['all', prompt_version, model, release, retrieval_config, tool_schema_version, temperature::varchar])
            as value,
        is_this_week,
        is_slower,
    from segment_calls
)

select version_dimension, value, is_this_week, count(*) filter (where is_slower) as slower_calls, count(*) as calls
from per_version
where value is not null
group by all
