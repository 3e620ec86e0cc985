-- check_baseline_values.sql: the baselines of the quantile and mean checks over one baseline range
-- [$range_start, $range_end), per segment, into table check_baselines (a cache: a range is computed
-- once, and sql/metrics_replace.sql forgets the ranges that recomputed hours fall in). Each metric
-- has its value over the range (a quantile of every call in it, not a median of windows) and, for
-- the means, the 90th percentile of single calls (or tasks) that the exceedance test counts against.
-- Parameters: $range_start, $range_end.
insert into check_baselines (range_start, range_end, dimension, segment, metric, value, p90, sample_size)
with calls as (
    select * from check_segment_calls($range_start, $range_end)
),

tasks as (
    select * from check_segment_tasks($range_start, $range_end)
),

call_values as (
    select
        dimension,
        segment,
        quantile_cont(latency_ms, 0.95) as latency_p95_ms,
        quantile_cont(latency_ms, 0.99) as latency_p99_ms,
        count(latency_ms) as ok_calls,
        quantile_cont(ttft_ms, 0.95) as ttft_p95_ms,
        count(ttft_ms) as ttft_calls,
        avg(tokens) as tokens_per_request,
        quantile_cont(tokens, 0.9) as tokens_p90,
        count(tokens) as token_calls,
        avg(cost_usd) as cost_per_request_usd,
        quantile_cont(cost_usd, 0.9) as cost_p90,
        count(cost_usd) as priced_calls,
    from calls
    group by dimension, segment
),

task_values as (
    select
        dimension,
        segment,
        sum(task_cost_usd) / nullif(count(*) filter (where outcome), 0) as cost_per_successful_task_usd,
        quantile_cont(task_cost_usd, 0.9) as task_cost_p90,
        count(*) filter (where outcome) as successful_tasks,
    from tasks
    group by dimension, segment
),

final as (
    select dimension, segment, 'latency_p95_ms' as metric, latency_p95_ms as value, null::double as p90, ok_calls as sample_size
    from call_values
    union all
    select dimension, segment, 'latency_p99_ms', latency_p99_ms, null, ok_calls from call_values
    union all
    select dimension, segment, 'ttft_p95_ms', ttft_p95_ms, null, ttft_calls from call_values
    union all
    select dimension, segment, 'tokens_per_request', tokens_per_request, tokens_p90, token_calls from call_values
    union all
    select dimension, segment, 'cost_per_request_usd', cost_per_request_usd, cost_p90, priced_calls from call_values
    union all
    select dimension, segment, 'cost_per_successful_task_usd', cost_per_successful_task_usd, task_cost_p90, successful_tasks
    from task_values
)

select $range_start, $range_end, dimension, segment, metric, value, p90, sample_size
from final
