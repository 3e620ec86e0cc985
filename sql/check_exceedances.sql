-- check_exceedances.sql: for the quantile and mean checks of one run, per bound given: the calls
-- (or tasks) of its segment in its window [range_start, range_end), how many exceed the bound,
-- and the window's own value (the quantile, or the mean). A bound may leave out the calls of one
-- other segment (exclude_dimension, exclude_segment; a task leaves when any of its calls is that
-- segment's): "this segment without that one's calls",
-- how the checks tell a cause from what it drags along. One scan of [$scan_start, $scan_end), the
-- windows' union; a task counts in the window of its first call, with the cost of all its calls.
-- Parameters: $scan_start, $scan_end, $bounds (a list of {key, metric, dimension, segment, bound,
-- exclude_dimension, exclude_segment, range_start, range_end}).
with bounds as (
    select unnest($bounds::struct(
        key bigint, metric varchar, dimension varchar, segment varchar, bound double,
        exclude_dimension varchar, exclude_segment varchar, range_start timestamptz, range_end timestamptz
    )[], recursive := true)
),

calls as (
    select * from check_segment_calls($scan_start, $scan_end)
),

tasks as (
    select * from check_segment_tasks($scan_start, $scan_end)
),

measured as (
    select
        bounds.key,
        bounds.metric,
        case bounds.metric
            when 'latency_p95_ms' then calls.latency_ms
            when 'latency_p99_ms' then calls.latency_ms
            when 'ttft_p95_ms' then calls.ttft_ms
            when 'tokens_per_request' then calls.tokens
            when 'cost_per_request_usd' then calls.cost_usd
        end as value,
        bounds.bound,
    from bounds
    inner join calls
        on calls.dimension = bounds.dimension
        and calls.segment = bounds.segment
        and calls.started_at >= bounds.range_start
        and calls.started_at < bounds.range_end
    where bounds.metric <> 'cost_per_successful_task_usd'
        and (bounds.exclude_dimension is null or case bounds.exclude_dimension
            when 'route' then calls.route
            when 'model' then calls.model
            when 'prompt_version' then calls.prompt_version
            when 'tenant' then calls.tenant
        end is distinct from bounds.exclude_segment)
),

call_counts as (
    select
        key,
        count(value) as n,
        count(*) filter (where value > bound) as k,
        case any_value(metric)
            when 'latency_p95_ms' then quantile_cont(value, 0.95)
            when 'latency_p99_ms' then quantile_cont(value, 0.99)
            when 'ttft_p95_ms' then quantile_cont(value, 0.95)
            else avg(value)
        end as observed,
    from measured
    group by key
),

task_counts as (
    select
        bounds.key,
        count(*) as n,
        count(*) filter (where tasks.task_cost_usd > bounds.bound) as k,
        sum(tasks.task_cost_usd) / nullif(count(*) filter (where tasks.outcome), 0) as observed,
    from bounds
    inner join tasks
        on tasks.dimension = bounds.dimension
        and tasks.segment = bounds.segment
        and tasks.started_at >= bounds.range_start
        and tasks.started_at < bounds.range_end
    where bounds.metric = 'cost_per_successful_task_usd'
        and (bounds.exclude_dimension is null or not case bounds.exclude_dimension
            when 'route' then tasks.route = bounds.exclude_segment
            when 'tenant' then tasks.tenant = bounds.exclude_segment
            when 'model' then list_contains(tasks.models, bounds.exclude_segment)
            when 'prompt_version' then list_contains(tasks.prompt_versions, bounds.exclude_segment)
        end)
    group by bounds.key
)

select key, n, k, observed from call_counts
union all
select key, n, k, observed from task_counts
