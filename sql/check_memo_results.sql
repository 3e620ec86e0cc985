-- check_memo_results.sql: one window's results as an earlier run judged them, those that can still
-- matter: failing, beyond their threshold, or about an open alert. Parameters: $run_id, $window_name.
select
    check_name,
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
    kind,
    window_end,
    counted,
    coalesce(beyond, false) as beyond,
from check_results
where run_id = $run_id and grain = $window_name and check_name = 'threshold'
    and (status = 'fail' or beyond or exists (
        select 1 from alerts
        where alerts.status = 'open' and alerts.check_name = check_results.check_name
            and alerts.metric = check_results.metric and alerts.dimension = check_results.dimension
            and alerts.segment = check_results.segment
    ))
