-- metrics_tasks.sql: task metrics per hour, day and week for dimensions all, route and tenant, for
-- the windows in temp table metric_windows. A task counts in the hour, route and tenant of its first
-- call. First the recomputed hours' task cells (temp table task_cells, from temp table task_facts:
-- metrics_task_facts.sql), which metrics_replace.sql keeps in metric_task_cells; then the metrics,
-- rolled up from them and the kept task cells of the other hours of the weeks recomputed. Writes
-- temp table metrics_staging. No parameters.
create or replace temp table task_cells as
select
    hour_start,
    route,
    tenant,
    count(*) as tasks,
    count(outcome) as tasks_with_outcome,
    count(*) filter (where outcome) as successful_tasks,
    sum(cost_usd) as cost_usd,
from task_facts
group by all;

insert into metrics_staging by name
with all_task_cells as (
    select * from task_cells
    union all by name
    select * from metric_task_cells
    where kept_hour(hour_start)
),

segments as (
    select
        grain_of(grouping(hour_start), grouping(day_start)) as grain,
        coalesce(hour_start, day_start, week_start) as window_start,
        dimension_of(grouping(route), 1, 1, grouping(tenant)) as dimension,
        coalesce(route, tenant, 'all') as segment,
        sum(tasks)::bigint as tasks,
        sum(tasks_with_outcome)::bigint as tasks_with_outcome,
        sum(successful_tasks)::bigint as successful_tasks,
        sum(cost_usd) as cost_usd,
    from (
        select
            *,
            date_trunc('day', hour_start) as day_start,
            date_trunc('week', hour_start) as week_start,
        from all_task_cells
    )
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
