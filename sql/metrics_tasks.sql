-- metrics_tasks.sql: task metrics per hour, day and week for dimensions all, route and tenant, for
-- the windows in temp table metric_windows, from temp table task_facts (metrics_task_facts.sql):
-- a task counts in the window, route and tenant of its first call. Writes temp table
-- metrics_staging. No parameters.
insert into metrics_staging by name
with segments as (
    select
        grain_of(grouping(hour_start), grouping(day_start)) as grain,
        coalesce(hour_start, day_start, week_start) as window_start,
        dimension_of(grouping(route), 1, 1, grouping(tenant)) as dimension,
        coalesce(route, tenant, 'all') as segment,
        count(*) as tasks,
        count(outcome) as tasks_with_outcome,
        count(*) filter (where outcome) as successful_tasks,
        sum(cost_usd) as cost_usd,
    from task_facts
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
