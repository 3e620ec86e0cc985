-- metrics_cells.sql: counts and sums per hour x route x model x prompt_version x tenant cell (and the
-- other version dimensions: release, retrieval_config, tool_schema_version, temperature), for
-- the calls of the hours in temp table metric_windows, into temp table cells. Everything else that
-- counts reads these cells: metrics_replace.sql keeps them in table metric_cells, metrics_calls.sql
-- rolls them (and the kept cells of the other hours of the days and weeks recomputed) up into
-- hours, days and weeks, and the checks add them up over their windows. No parameters.
create or replace temp table cells as
with touched_hours as (
    select window_start
    from metric_windows
    where grain = 'hour'
),

bounds as (
    select min(window_start) as first_start, max(window_start) + interval 1 hour as last_end
    from touched_hours
)

select
    date_trunc('hour', started_at) as hour_start,
    route,
    model,
    coalesce(prompt_version, '') as prompt_version,
    coalesce(tenant, '') as tenant,
    coalesce(release, '') as release,
    coalesce(retrieval_config, '') as retrieval_config,
    coalesce(tool_schema_version, '') as tool_schema_version,
    coalesce(temperature::varchar, '') as temperature,
    count(*) as calls,
    count(*) filter (where status <> 'ok') as failed_calls,
    count(*) filter (where status = 'timeout') as timeouts,
    count(*) filter (where status = 'rate_limited') as rate_limited_calls,
    count(*) filter (where status = 'cancelled') as cancelled_calls,
    count(*) filter (where status = 'ok') as ok_calls,
    count(ttft_ms) filter (where status = 'ok') as ok_calls_with_ttft,
    sum(input_tokens) as input_tokens,
    count(input_tokens) as calls_with_input_tokens,
    sum(output_tokens) as output_tokens,
    count(output_tokens) as calls_with_output_tokens,
    -- tokens per request: ok calls that report tokens (a failed call's 0 or absent tokens say nothing)
    sum(coalesce(input_tokens, 0) + coalesce(output_tokens, 0))
        filter (where status = 'ok' and (input_tokens is not null or output_tokens is not null)) as total_tokens,
    count(*) filter (where status = 'ok' and (input_tokens is not null or output_tokens is not null)) as calls_with_tokens,
    sum(cost_usd) as cost_usd,
    count(cost_usd) as priced_calls,
    -- a call has something to price when it logs a cost or reports tokens
    count(*) filter (where cost_usd is not null or input_tokens is not null or output_tokens is not null) as priceable_calls,
    count(*) filter (where structured_output and parse_ok is not null) as structured_calls,
    count(*) filter (where structured_output and not parse_ok) as parse_failures,
    count(*) filter (where retrieval_used and retrieved_docs is not null) as retrieval_calls,
    count(*) filter (where retrieval_used and retrieved_docs = 0) as empty_retrievals,
    count(context_truncated) as calls_with_truncation_flag,
    count(*) filter (where context_truncated) as truncated_calls,
    sum(tool_calls) as tool_calls,
    sum(coalesce(tool_errors, 0)) filter (where tool_calls is not null) as tool_errors,
    count(retries) as calls_with_retry_count,
    count(*) filter (where retries > 0) as retried_calls,
    count(fallback) as calls_with_fallback_flag,
    count(*) filter (where fallback) as fallback_calls,
    count(escalated) as calls_with_escalation_flag,
    count(*) filter (where escalated) as escalated_calls,
    count(eval_pass) as evaluated_calls,
    count(*) filter (where eval_pass) as passed_evals,
from requests, bounds
where started_at >= bounds.first_start
    and started_at < bounds.last_end
    and date_trunc('hour', started_at) in (select window_start from touched_hours)
group by all
