-- check_memo_valid.sql: of the windows given, those an earlier run judged by the same thresholds
-- ($fingerprint) with nothing in them or their baselines changed since: no call of a later batch
-- starts in [baseline_start, range_end), and the metrics then covered every batch up to it.
-- Returns each with the run whose results stand, and how many of them were tested. Parameters: $windows (a list of {window_name,
-- range_start, range_end, baseline_start}), $fingerprint.
with wanted as (
    select unnest($windows::struct(
        window_name varchar, range_start timestamptz, range_end timestamptz, baseline_start timestamptz
    )[], recursive := true)
),

latest as (
    select
        memo.window_name,
        max(memo.run_id) as run_id,
        max(memo.through_batch_id) as through_batch_id,
        any_value(wanted.baseline_start) as baseline_start,
        any_value(wanted.range_end) as range_end,
    from check_window_memo as memo
    inner join wanted using (window_name, range_start, range_end)
    where memo.fingerprint = $fingerprint
    group by memo.window_name
),

metrics_state as (
    select coalesce(max(value), 0) as through_batch_id
    from pipeline_state
    where name = 'metrics_through_batch_id'
)

select
    latest.window_name,
    latest.run_id,
    (select count(*) from check_results
        where run_id = latest.run_id and grain = latest.window_name and p_value is not null) as tested,
from latest, metrics_state
where metrics_state.through_batch_id >= latest.through_batch_id
    and not exists (
        select 1 from requests
        where requests.batch_id > latest.through_batch_id
            and requests.started_at >= latest.baseline_start
            and requests.started_at < latest.range_end
    )
