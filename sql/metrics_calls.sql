-- metrics_calls.sql: call metrics per hour, day and week (UTC; weeks from Monday) and per dimension
-- (all, route, model, prompt_version, tenant) and segment, for the windows in temp table
-- metric_windows, in the long shape of `metrics`. Counts and sums are rolled up from temp table
-- cells (metrics_cells.sql; exact integers and decimals) and the cells metric_cells keeps for the
-- other hours of the days and weeks recomputed; latency and TTFT quantiles need the calls
-- themselves and come from temp table metric_tails (metrics_tails.sql), with the counts they are over.
-- Writes temp table metrics_staging.
-- Definitions: README "Metric definitions". Quantiles are exact (quantile_cont). No parameters.
insert into metrics_staging by name
with all_cells as (
    -- the recomputed hours' cells, and the kept cells of the other hours of the weeks recomputed
    select * from cells
    union all by name
    select * from metric_cells
    where kept_hour(hour_start)
),

counted as (
    select
        grain_of(grouping(hour_start), grouping(day_start)) as grain,
        coalesce(hour_start, day_start, week_start) as window_start,
        dimension_of(grouping(route), grouping(model), grouping(prompt_version), grouping(tenant)) as dimension,
        coalesce(route, model, prompt_version, tenant, 'all') as segment,  -- the grouped key: never NULL ('' stands for absent)
        sum(calls)::bigint as calls,
        sum(failed_calls)::bigint as failed_calls,
        sum(timeouts)::bigint as timeouts,
        sum(rate_limited_calls)::bigint as rate_limited_calls,
        sum(cancelled_calls)::bigint as cancelled_calls,
        sum(ok_calls)::bigint as ok_calls,
        sum(ok_calls_with_ttft)::bigint as ok_calls_with_ttft,
        sum(input_tokens)::bigint as input_tokens,
        sum(calls_with_input_tokens)::bigint as calls_with_input_tokens,
        sum(output_tokens)::bigint as output_tokens,
        sum(calls_with_output_tokens)::bigint as calls_with_output_tokens,
        sum(total_tokens)::bigint as total_tokens,
        sum(calls_with_tokens)::bigint as calls_with_tokens,
        sum(cost_usd) as cost_usd,
        sum(priced_calls)::bigint as priced_calls,
        sum(priceable_calls)::bigint as priceable_calls,
        sum(structured_calls)::bigint as structured_calls,
        sum(parse_failures)::bigint as parse_failures,
        sum(retrieval_calls)::bigint as retrieval_calls,
        sum(empty_retrievals)::bigint as empty_retrievals,
        sum(calls_with_truncation_flag)::bigint as calls_with_truncation_flag,
        sum(truncated_calls)::bigint as truncated_calls,
        sum(tool_calls)::bigint as tool_calls,
        sum(tool_errors)::bigint as tool_errors,
        sum(calls_with_retry_count)::bigint as calls_with_retry_count,
        sum(retried_calls)::bigint as retried_calls,
        sum(calls_with_fallback_flag)::bigint as calls_with_fallback_flag,
        sum(fallback_calls)::bigint as fallback_calls,
        sum(calls_with_escalation_flag)::bigint as calls_with_escalation_flag,
        sum(escalated_calls)::bigint as escalated_calls,
        sum(evaluated_calls)::bigint as evaluated_calls,
        sum(passed_evals)::bigint as passed_evals,
    from (
        select
            *,
            date_trunc('day', hour_start) as day_start,
            date_trunc('week', hour_start) as week_start,
        from all_cells
    )
    group by grouping sets (
        (hour_start), (hour_start, route), (hour_start, model), (hour_start, prompt_version), (hour_start, tenant),
        (day_start), (day_start, route), (day_start, model), (day_start, prompt_version), (day_start, tenant),
        (week_start), (week_start, route), (week_start, model), (week_start, prompt_version), (week_start, tenant)
    )
),

segments as (
    select
        counted.*,
        tails.latency_ms_q,
        tails.ttft_ms_q,
        tails.ok_calls as tail_ok_calls,
        tails.ttft_calls as tail_ttft_calls,
    from counted
    semi join metric_windows using (grain, window_start)
    left join metric_tails as tails using (grain, window_start, dimension, segment)
),

window_totals as (
    select grain, window_start, calls as window_calls
    from segments
    where dimension = 'all'
),

exploded as (
    select
        segments.grain,
        segments.window_start,
        segments.dimension,
        segments.segment,
        unnest([
            {'metric': 'requests', 'value': calls::double, 'sample_size': calls},
            {'metric': 'error_rate', 'value': failed_calls / nullif(calls, 0), 'sample_size': calls},
            {'metric': 'timeout_rate', 'value': timeouts / nullif(calls, 0), 'sample_size': calls},
            {'metric': 'rate_limit_rate', 'value': rate_limited_calls / nullif(calls, 0), 'sample_size': calls},
            {'metric': 'cancel_rate', 'value': cancelled_calls / nullif(calls, 0), 'sample_size': calls},
            {'metric': 'latency_p50_ms', 'value': latency_ms_q[1], 'sample_size': coalesce(tail_ok_calls, 0)},
            {'metric': 'latency_p90_ms', 'value': latency_ms_q[2], 'sample_size': coalesce(tail_ok_calls, 0)},
            {'metric': 'latency_p95_ms', 'value': latency_ms_q[3], 'sample_size': coalesce(tail_ok_calls, 0)},
            {'metric': 'latency_p99_ms', 'value': latency_ms_q[4], 'sample_size': coalesce(tail_ok_calls, 0)},
            {'metric': 'ttft_p50_ms', 'value': ttft_ms_q[1], 'sample_size': coalesce(tail_ttft_calls, 0)},
            {'metric': 'ttft_p95_ms', 'value': ttft_ms_q[2], 'sample_size': coalesce(tail_ttft_calls, 0)},
            {'metric': 'input_tokens', 'value': input_tokens::double, 'sample_size': calls_with_input_tokens},
            {'metric': 'output_tokens', 'value': output_tokens::double, 'sample_size': calls_with_output_tokens},
            {'metric': 'tokens_per_request', 'value': total_tokens / nullif(calls_with_tokens, 0), 'sample_size': calls_with_tokens},
            {'metric': 'cost_usd', 'value': cost_usd::double, 'sample_size': priced_calls},
            {'metric': 'cost_per_request_usd', 'value': cost_usd::double / nullif(priced_calls, 0), 'sample_size': priced_calls},
            {'metric': 'unpriced_rate', 'value': (priceable_calls - priced_calls) / nullif(priceable_calls, 0), 'sample_size': priceable_calls},
            {'metric': 'parser_failure_rate', 'value': parse_failures / nullif(structured_calls, 0), 'sample_size': structured_calls},
            {'metric': 'retrieval_empty_rate', 'value': empty_retrievals / nullif(retrieval_calls, 0), 'sample_size': retrieval_calls},
            {'metric': 'context_truncation_rate', 'value': truncated_calls / nullif(calls_with_truncation_flag, 0), 'sample_size': calls_with_truncation_flag},
            {'metric': 'tool_error_rate', 'value': tool_errors / nullif(tool_calls, 0), 'sample_size': coalesce(tool_calls, 0)},
            {'metric': 'retry_rate', 'value': retried_calls / nullif(calls_with_retry_count, 0), 'sample_size': calls_with_retry_count},
            {'metric': 'fallback_rate', 'value': fallback_calls / nullif(calls_with_fallback_flag, 0), 'sample_size': calls_with_fallback_flag},
            {'metric': 'escalation_rate', 'value': escalated_calls / nullif(calls_with_escalation_flag, 0), 'sample_size': calls_with_escalation_flag},
            {'metric': 'eval_pass_rate', 'value': passed_evals / nullif(evaluated_calls, 0), 'sample_size': evaluated_calls},
            {'metric': 'routing_share', 'value': calls / nullif(window_calls, 0), 'sample_size': window_calls},
        ]) as measured
    from segments
    join window_totals using (grain, window_start)
),

final as (
    select
        grain,
        window_start,
        dimension,
        segment,
        measured.metric,
        measured.value,
        measured.sample_size,
    from exploded
    where measured.metric <> 'routing_share' or dimension = 'model'
)

select * from final
