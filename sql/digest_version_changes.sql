-- digest_version_changes.sql: every version first seen in the week, when, and on which routes:
-- prompt versions, releases, retrieval configs, tool schema versions and temperatures by their
-- first call anywhere; models by their first call on each route.
-- Parameters: $week_start, $week_end.
with model_on_route as (
    select model, route, min(started_at) as first_seen
    from requests
    group by all
),

firsts as (
    select 'model' as dimension, model as value, min(first_seen) as first_seen, list(route order by route) as routes
    from model_on_route
    where first_seen >= $week_start and first_seen < $week_end
    group by all
    union all
    select 'prompt_version', prompt_version, min(started_at), list(distinct route order by route)
    from requests where prompt_version is not null group by all
    union all
    select 'release', release, min(started_at), list(distinct route order by route)
    from requests where release is not null group by all
    union all
    select 'retrieval_config', retrieval_config, min(started_at), list(distinct route order by route)
    from requests where retrieval_config is not null group by all
    union all
    select 'tool_schema_version', tool_schema_version, min(started_at), list(distinct route order by route)
    from requests where tool_schema_version is not null group by all
    union all
    select 'temperature', temperature::varchar, min(started_at), list(distinct route order by route)
    from requests where temperature is not null group by all
)

select dimension, value, first_seen, routes
from firsts
where first_seen >= $week_start and first_seen < $week_end
order by first_seen, dimension, value
