-- check_cells.sql: numerators and denominators of the checked rates for one window, per
-- route x model x prompt_version x tenant cell, added up from table metric_cells (the hourly cells
-- `metrics` is computed from). A segment's counts are sums of its cells, and a segment without
-- another's calls is a difference of sums: how checks tell a cause from what it drags along.
-- Parameters: $window_start, $window_end.
select
    route,
    model,
    prompt_version,
    tenant,
    sum(calls)::bigint as calls,
    sum(failed_calls)::bigint as failed_calls,
    sum(timeouts)::bigint as timeouts,
    sum(rate_limited_calls)::bigint as rate_limited_calls,
    sum(structured_calls)::bigint as structured_calls,
    sum(parse_failures)::bigint as parse_failures,
    sum(retrieval_calls)::bigint as retrieval_calls,
    sum(empty_retrievals)::bigint as empty_retrievals,
    sum(calls_with_truncation_flag)::bigint as calls_with_truncation_flag,
    sum(truncated_calls)::bigint as truncated_calls,
    sum(calls_with_fallback_flag)::bigint as calls_with_fallback_flag,
    sum(fallback_calls)::bigint as fallback_calls,
    sum(calls_with_escalation_flag)::bigint as calls_with_escalation_flag,
    sum(escalated_calls)::bigint as escalated_calls,
    sum(evaluated_calls)::bigint as evaluated_calls,
    sum(passed_evals)::bigint as passed_evals,
    sum(calls - priced_calls)::bigint as unpriced_calls,
from metric_cells
where hour_start >= $window_start and hour_start < $window_end
group by all
