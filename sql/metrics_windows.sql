-- metrics_windows.sql: the (grain, window_start) windows to recompute into temp table
-- metric_windows: every hour, day and week holding a call of a task that batches after
-- $since_batch_id touched (a new call can change the first call, outcome or cost of an older task),
-- or every window when $full, and every hour overlapping [$range_start, $range_end) when they are
-- not NULL (a backfill: its hours may have lost calls). Parameters: $since_batch_id, $full,
-- $range_start, $range_end.
create or replace temp table metric_windows as
with touched_tasks as (
    select distinct task_id
    from requests
    where not $full and batch_id > $since_batch_id
),

touched_hours as (
    select distinct date_trunc('hour', started_at) as hour_start
    from requests
    where $full or task_id in (select task_id from touched_tasks)
    union
    select unnest(range(date_trunc('hour', $range_start::timestamptz), $range_end::timestamptz, interval 1 hour))
    where $range_start is not null
)

select 'hour' as grain, hour_start as window_start from touched_hours
union
select 'day', date_trunc('day', hour_start) from touched_hours
union
select 'week', date_trunc('week', hour_start) from touched_hours
