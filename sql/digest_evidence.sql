-- digest_evidence.sql: the facts the digest's interpretation rules read, per segment (all calls,
-- each route, each tenant, each model; or only $dimension = $segment when $dimension is not NULL)
-- in the digest's week and the week before: traffic, tasks (distinct task_id among the segment's
-- calls of the week), tokens per call, tool calls and retries, fallbacks, cost, and parse and eval
-- outcomes; split by whether a call carries one of the named versions ($version_values of
-- $version_dimension; 'none' names none), in total (model NULL) and per model.
-- Parameters: $dimension, $segment, $version_dimension, $version_values, $this_week, $last_week.
with week_calls as (
    select
        started_at >= $this_week as is_this_week,
        coalesce(case $version_dimension
            when 'prompt_version' then prompt_version
            when 'model' then model
            when 'release' then release
            when 'retrieval_config' then retrieval_config
            when 'tool_schema_version' then tool_schema_version
            when 'temperature' then temperature::varchar
        end in (select unnest($version_values::varchar[])), false) as in_version,
        unnest([
            {'dimension': 'all', 'segment': 'all'},
            {'dimension': 'route', 'segment': route},
            {'dimension': 'tenant', 'segment': coalesce(tenant, '')},
            {'dimension': 'model', 'segment': model}
        ], recursive := true),
        model, task_id, input_tokens, output_tokens, tool_calls, retries, fallback, cost_usd,
        structured_output, parse_ok, eval_pass,
    from requests
    where started_at >= $last_week
        and started_at < $this_week + interval 7 days
)

select
    dimension,
    segment,
    is_this_week,
    in_version,
    model,
    count(*) as calls,
    count(distinct task_id) as tasks,
    count(input_tokens) as calls_with_input_tokens,
    coalesce(sum(input_tokens), 0)::bigint as input_tokens,
    count(output_tokens) as calls_with_output_tokens,
    coalesce(sum(output_tokens), 0)::bigint as output_tokens,
    coalesce(sum(tool_calls), 0)::bigint as tool_calls,
    coalesce(sum(retries), 0)::bigint as retries,
    count(fallback) as calls_with_fallback_flag,
    count(*) filter (where fallback) as fallback_calls,
    count(cost_usd) as priced_calls,
    coalesce(sum(cost_usd), 0)::decimal(38, 12) as cost_usd,
    count(*) filter (where structured_output and parse_ok is not null) as structured_calls,
    count(*) filter (where structured_output and not parse_ok) as parse_failures,
    count(eval_pass) filter (where structured_output and parse_ok) as parsed_evaluated,
    count(*) filter (where structured_output and parse_ok and eval_pass) as parsed_passed,
from week_calls
where $dimension is null or (dimension = $dimension and segment = $segment)
group by grouping sets ((dimension, segment, is_this_week, in_version), (dimension, segment, is_this_week, in_version, model))
