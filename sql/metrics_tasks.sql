-- metrics_tasks.sql: task metrics per hour, day and week for dimensions all, route and tenant, for
-- the windows in temp table metric_windows. A task belongs to the window, route and tenant of its
-- first call (by started_at, then request_id); its outcome is the task_success of its last call that
-- carries one; its cost is the sum over all its calls. Writes temp table metrics_staging.
-- Parameters: $full (every task; skips finding the touched ones).
insert into metrics_staging
with touched_weeks as (
    select window_start
    from metric_windows
    where grain = 'week'
),

candidate_tasks as (
    select distinct task_id
    from requests
    where not $full
        and started_at >= (select min(window_start) from touched_weeks)
        and date_trunc('week', started_at) in (select window_start from touched_weeks)
),

tasks as (
    -- min/max of a struct compare field by field: the first call is the least (started_at,
    -- request_id), the outcome the greatest among calls that carry one.
    select
        min({'started_at': started_at, 'request_id': request_id, 'route': route, 'tenant': tenant})
            as first_call,
        max({'started_at': started_at, 'request_id': request_id, 'success': task_success})
            filter (where task_success is not null) as last_outcome,
        sum(cost_usd) as cost_usd,
    from requests
    where $full or task_id in (select task_id from candidate_tasks)
    group by task_id
),

placed_tasks as (
    select
        date_trunc('hour', first_call.started_at) as hour_start,
        date_trunc('day', first_call.started_at) as day_start,
        date_trunc('week', first_call.started_at) as week_start,
        first_call.route as route,
        coalesce(first_call.tenant, '(none)') as tenant,
        last_outcome.success as outcome,
        cost_usd,
    from tasks
),

segments as (
    select
        grain_of(grouping(hour_start), grouping(day_start)) as grain,
        coalesce(hour_start, day_start, week_start) as window_start,
        dimension_of(grouping(route), 1, 1, grouping(tenant)) as dimension,
        coalesce(route, tenant, 'all') as segment,
        count(*) as tasks,
        count(outcome) as tasks_with_outcome,
        count(*) filter (where outcome) as successful_tasks,
        sum(cost_usd) as cost_usd,
    from placed_tasks
    group by grouping sets (
        (hour_start), (hour_start, route), (hour_start, tenant),
        (day_start), (day_start, route), (day_start, tenant),
        (week_start), (week_start, route), (week_start, tenant)
    )
),

exploded as (
    select
        grain,
        window_start,
        dimension,
        segment,
        unnest([
            {'metric': 'tasks', 'value': tasks::double, 'sample_size': tasks},
            {'metric': 'task_success_rate', 'value': successful_tasks / nullif(tasks_with_outcome, 0), 'sample_size': tasks_with_outcome},
            {'metric': 'cost_per_successful_task_usd', 'value': cost_usd::double / nullif(successful_tasks, 0), 'sample_size': successful_tasks},
        ]) as measured
    from segments
    semi join metric_windows using (grain, window_start)
),

final as (
    select grain, window_start, dimension, segment, measured.metric, measured.value, measured.sample_size,
    from exploded
)

select * from final
