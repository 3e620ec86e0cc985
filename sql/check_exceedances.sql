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

-- the tasks a bound leaves out for using the excluded model or prompt version in one of their calls
excluded_tasks as (
    select distinct
        bounds.key,
        requests.task_id,
    from bounds
    inner join requests on requests.model = bounds.exclude_segment
    where bounds.metric = 'cost_per_successful_task_usd'
        and bounds.exclude_dimension = 'model'
        and requests.started_at >= $scan_start
        and requests.started_at < $scan_end
    union
    select
        bounds.key,
        requests.task_id,
    from bounds
    inner join requests on coalesce(requests.prompt_version, '') = bounds.exclude_segment
    where bounds.metric = 'cost_per_successful_task_usd'
        and bounds.exclude_dimension = 'prompt_version'
        and requests.started_at >= $scan_start
        and requests.started_at < $scan_end
),

-- the call checks, each with the column it reads; a quantile keeps all its values, and does not
-- spill, so the p95 and p99 of one column, segment and window share one state: the first bound of
-- each such group (leads) keeps it for all
call_bounds as (
    select
        *,
        case when source in ('latency', 'ttft') then min(key) over (
            partition by source, dimension, segment, exclude_dimension, exclude_segment, range_start, range_end
        ) end as lead_key,
    from (
        select
            *,
            case metric
                when 'latency_p95_ms' then 'latency'
                when 'latency_p99_ms' then 'latency'
                when 'ttft_p95_ms' then 'ttft'
                when 'tokens_per_request' then 'tokens'
                when 'cost_per_request_usd' then 'cost'
            end as source,
        from bounds
        where metric <> 'cost_per_successful_task_usd'
    )
),

-- the values each call check reads: the calls of its segment and window, less the excluded segment's
measured as (
    select
        call_bounds.key,
        call_bounds.key = call_bounds.lead_key as leads,
        case call_bounds.source
            when 'latency' then calls.latency_ms
            when 'ttft' then calls.ttft_ms
            when 'tokens' then calls.tokens
            when 'cost' then calls.cost_usd
        end as value,
        -- cost also as stored (DECIMAL; the case above makes it DOUBLE), so that its mean is one
        -- exact sum, not DOUBLEs added in whatever order DuckDB takes them
        case when call_bounds.source = 'cost' then calls.cost_usd end as cost,
        call_bounds.bound,
    from call_bounds
    inner join calls
        on calls.dimension = call_bounds.dimension
        and calls.segment = call_bounds.segment
        and calls.started_at >= call_bounds.range_start
        and calls.started_at < call_bounds.range_end
    where call_bounds.exclude_dimension is null or case call_bounds.exclude_dimension
        when 'route' then calls.route
        when 'model' then calls.model
        when 'prompt_version' then calls.prompt_version
        when 'tenant' then calls.tenant
    end is distinct from call_bounds.exclude_segment
),

call_counts as (
    select
        key,
        count(value) as n,
        count(*) filter (where value > bound) as k,
        coalesce(sum(cost) / nullif(count(cost), 0), avg(value)) as mean,
        quantile_cont(value, [0.95, 0.99]) filter (where leads) as quantiles,
    from measured
    group by key
),

call_results as (
    select
        call_bounds.key,
        call_counts.n,
        call_counts.k,
        case call_bounds.metric
            when 'latency_p95_ms' then leader.quantiles[1]
            when 'latency_p99_ms' then leader.quantiles[2]
            when 'ttft_p95_ms' then leader.quantiles[1]
            else call_counts.mean
        end as observed,
    from call_bounds
    inner join call_counts on call_counts.key = call_bounds.key
    left join call_counts as leader on leader.key = call_bounds.lead_key
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
    anti join excluded_tasks
        on excluded_tasks.key = bounds.key
        and excluded_tasks.task_id = tasks.task_id
    where bounds.metric = 'cost_per_successful_task_usd'
        and (bounds.exclude_dimension is null or not case bounds.exclude_dimension
            when 'route' then tasks.route = bounds.exclude_segment
            when 'tenant' then tasks.tenant = bounds.exclude_segment
            else false
        end)
    group by bounds.key
)

select key, n, k, observed from call_results
union all
select key, n, k, observed from task_counts
