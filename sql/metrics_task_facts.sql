-- metrics_task_facts.sql: one row per task of the touched weeks whose task_id falls in hash
-- partition $part of $parts, appended to temp table task_facts: the window, route and tenant of its
-- first call (by started_at, then request_id), its outcome (the task_success of its last call that
-- carries one) and its cost (the sum over all its calls). Partitions keep the aggregation's memory
-- to a fraction of the tasks; the result does not depend on how many there are.
-- Parameters: $full (every task; skips finding the touched ones), $part, $parts.
insert into task_facts by name
with touched_weeks as (
    select window_start
    from metric_windows
    where grain = 'week'
),

candidate_tasks as (
    select distinct task_id
    from requests
    where not $full
        and hash(task_id) % $parts = $part
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
    where hash(task_id) % $parts = $part
        and ($full or task_id in (select task_id from candidate_tasks))
    group by task_id
),

final as (
    select
        date_trunc('hour', first_call.started_at) as hour_start,
        date_trunc('day', first_call.started_at) as day_start,
        date_trunc('week', first_call.started_at) as week_start,
        first_call.route as route,
        coalesce(first_call.tenant, '') as tenant,
        last_outcome.success as outcome,
        cost_usd,
    from tasks
)

select * from final
