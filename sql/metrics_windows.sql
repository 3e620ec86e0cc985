-- metrics_windows.sql: the (grain, window_start) windows to recompute into temp table
-- metric_windows: every hour, day and week holding a call of a task that batches after
-- $since_batch_id touched (a new call can change the first call, outcome or cost of an older task),
-- or every window when $full. Parameters: $since_batch_id, $full.
create or replace temp table metric_windows as
with touched_tasks as (
    select distinct task_id
    from requests
    where $full or batch_id > $since_batch_id
),

touched_calls as (
    select started_at
    from requests
    where $full or task_id in (select task_id from touched_tasks)
),

grains as (
    select grain from (values ('hour'), ('day'), ('week')) as grains (grain)
)

select distinct
    grains.grain,
    date_trunc(grains.grain, touched_calls.started_at) as window_start,
from touched_calls
cross join grains
