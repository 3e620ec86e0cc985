-- check_record_results.sql: appends one run's results (the registered relation run_results) to
-- check_results. Parameters: $run_id, $as_of.
insert into check_results (
    run_id, as_of, check_name, metric, grain, window_start, dimension, segment, severity, observed,
    threshold, baseline, numerator, sample_size, p_value, status, explained_by, kind, window_end, counted, beyond
)
select
    $run_id,
    $as_of,
    "check",
    metric,
    grain,
    window_start,
    dimension,
    segment,
    severity,
    observed,
    threshold,
    baseline,
    numerator,
    sample_size,
    p_value,
    status,
    explained_by,
    kind,
    window_end,
    counted,
    beyond,
from run_results
