-- digest_hourly_cells.sql: one segment's hourly cells (its calls per hour and per value of every
-- version dimension, route, model and tenant) over [$range_start, $range_end), with every rate's
-- counts: what attribution localises a regression in time and judges each change with.
-- Parameters: $dimension (all, route, model, prompt_version or tenant), $segment, $range_start, $range_end.
select
    hour_start,
    route,
    model,
    prompt_version,
    tenant,
    release,
    retrieval_config,
    tool_schema_version,
    temperature,
    calls,
    failed_calls,
    timeouts,
    rate_limited_calls,
    structured_calls,
    parse_failures,
    retrieval_calls,
    empty_retrievals,
    calls_with_truncation_flag,
    truncated_calls,
    calls_with_fallback_flag,
    fallback_calls,
    calls_with_escalation_flag,
    escalated_calls,
    evaluated_calls,
    passed_evals,
    coalesce(priceable_calls, calls) - priced_calls as unpriced_calls,
    coalesce(priceable_calls, calls) as priceable_calls,
from metric_cells
where hour_start >= $range_start
    and hour_start < $range_end
    and case $dimension
        when 'route' then route = $segment
        when 'model' then model = $segment
        when 'prompt_version' then prompt_version = $segment
        when 'tenant' then tenant = $segment
        else true
    end
