-- review_daily.sql: the daily trend of the month and the month before (all calls): calls, error
-- rate, p95 latency, cost, cost per successful task and eval pass rate.
-- Parameters: $month_start, $previous_start, $month_end.
select window_start as day, metric, value
from metrics
where grain = 'day' and dimension = 'all'
    and metric in ('requests', 'error_rate', 'latency_p95_ms', 'cost_usd', 'cost_per_successful_task_usd', 'eval_pass_rate')
    and window_start >= $previous_start and window_start < $month_end
order by day, metric
