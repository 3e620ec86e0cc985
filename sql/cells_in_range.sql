-- cells_in_range.sql: the hourly cells of table metric_cells (counts per route x model x
-- prompt_version x tenant x release x retrieval_config x tool_schema_version x temperature, the
-- counts `metrics` is computed from) added up over [$range_start, $range_end), split at $split_at.
-- Checks add them up per segment; the digest per version. A segment without another's calls is a
-- difference of sums: how checks tell a cause from what it drags along.
-- Parameters: $range_start, $range_end, $split_at.
select
    route,
    model,
    prompt_version,
    tenant,
    release,
    retrieval_config,
    tool_schema_version,
    temperature,
    hour_start >= $split_at as is_later,
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
    sum(priceable_calls - priced_calls)::bigint as unpriced_calls,
    sum(priceable_calls)::bigint as priceable_calls,
from metric_cells
where hour_start >= $range_start and hour_start < $range_end
group by all
