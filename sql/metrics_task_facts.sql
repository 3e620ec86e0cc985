-- metrics_task_facts.sql: one row per task whose first call (by started_at, then request_id) falls
-- in an hour of temp table metric_windows and whose task_id falls in hash partition $part of
-- $parts, appended to temp table task_facts: the hour, route and tenant of its first call, its
-- outcome (the task_success of its last call that carries one) and its cost (the sum over all its
-- calls, whenever they came). Such a task has a call in those hours, so the candidates are found
-- there; metrics_windows.sql made every hour of a touched task's calls one of them. Partitions keep
-- the aggregation's memory to a fraction of the tasks; the result does not depend on how many.
-- Parameters: $full (every task; skips finding the candidates), $part, $parts.
insert into task_facts by name
with touched_hours as (
    select window_start
    from metric_windows
    where grain = 'hour'
),

bounds as (
    select min(window_start) as first_start, max(window_start) + interval 1 hour as last_end
    from touched_hours
),

candidate_tasks as (
    select distinct task_id
    from requests, bounds
    where not $full
        and hash(task_id) % $parts = $part
        and started_at >= bounds.first_start
        and started_at < bounds.last_end
        and date_trunc('hour', started_at) in (select window_start from touched_hours)
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
        first_call.route as route,
        coalesce(first_call.tenant, '') as tenant,
        last_outcome.success as outcome,
        cost_usd,
    from tasks
    where $full or date_trunc('hour', first_call.started_at) in (select window_start from touched_hours)
)

select * from final
