-- check_memo_save.sql: records the windows one run judged, with the last batch the metrics covered
-- then. Parameters: $fingerprint, $run_id, $windows (a list of {window_name, range_start, range_end}).
insert into check_window_memo (window_name, range_start, range_end, fingerprint, through_batch_id, run_id)
select
    window_name,
    range_start,
    range_end,
    $fingerprint,
    (select coalesce(max(value), 0) from pipeline_state where name = 'metrics_through_batch_id'),
    $run_id,
from (
    select unnest($windows::struct(window_name varchar, range_start timestamptz, range_end timestamptz)[], recursive := true)
)
