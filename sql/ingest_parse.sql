-- ingest_parse.sql: parses and validates every line of one source file in one parallel pass and
-- appends them to `requests` in file order, each with its verdict in _reject_reason (NULL: accepted).
-- ingest_verdicts.sql then moves rejected lines to rejected_records within the same transaction.
-- Parameters: $path, $batch_id, $store_free_text, plus those of the source_lines query spliced in.
insert into requests (
    request_id, started_at, route, model, status, latency_ms, provider, tenant, user_role, task_id,
    task_success, ttft_ms, input_tokens, output_tokens, cached_input_tokens, reasoning_tokens,
    cost_usd, cost_source, structured_output, parse_ok, retrieval_used, retrieved_docs,
    context_truncated, tool_calls, tool_errors, retries, fallback, escalated, eval_pass, feedback,
    prompt_version, release, retrieval_config, tool_schema_version, temperature, error_type,
    attributes, free_text, source_file, batch_id, _reject_reason, _raw_line
)
with source_lines as (
    /* source_lines */
),

parsed as (
    select
        raw,
        case when json_valid(raw) and starts_with(ltrim(raw), '{') then json_transform(raw, '{
            "request_id": "VARCHAR", "timestamp": "VARCHAR", "route": "VARCHAR", "model": "VARCHAR",
            "status": "VARCHAR", "latency_ms": "VARCHAR", "provider": "VARCHAR", "tenant": "VARCHAR",
            "user_role": "VARCHAR", "task_id": "VARCHAR", "task_success": "VARCHAR", "ttft_ms": "VARCHAR",
            "input_tokens": "VARCHAR", "output_tokens": "VARCHAR", "cached_input_tokens": "VARCHAR",
            "reasoning_tokens": "VARCHAR", "cost_usd": "VARCHAR", "structured_output": "VARCHAR",
            "parse_ok": "VARCHAR", "retrieval_used": "VARCHAR", "retrieved_docs": "VARCHAR",
            "context_truncated": "VARCHAR", "tool_calls": "VARCHAR", "tool_errors": "VARCHAR",
            "retries": "VARCHAR", "fallback": "VARCHAR", "escalated": "VARCHAR", "eval_pass": "VARCHAR",
            "feedback": "VARCHAR", "prompt_version": "VARCHAR", "release": "VARCHAR",
            "retrieval_config": "VARCHAR", "tool_schema_version": "VARCHAR", "temperature": "VARCHAR",
            "error_type": "VARCHAR"}') end as j
    from source_lines
),

typed as (
    select
        raw,
        j,
        try_cast(j.timestamp as timestamptz) as started_at,
        -- RFC 3339 needs an explicit offset; DuckDB alone would read a bare time in the session zone.
        regexp_matches(j.timestamp, '^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d(:\d\d(\.\d+)?)?([Zz]|[+-]\d\d(:?\d\d)?)$')
            as has_offset,
        try_cast(j.latency_ms as double) as latency_ms,
        try_cast(j.ttft_ms as double) as ttft_ms,
        try_cast(j.temperature as double) as temperature,
        try_cast(j.cost_usd as double) as cost_number,
        try_cast(j.input_tokens as double) as input_tokens,
        try_cast(j.output_tokens as double) as output_tokens,
        try_cast(j.cached_input_tokens as double) as cached_input_tokens,
        try_cast(j.reasoning_tokens as double) as reasoning_tokens,
        try_cast(j.retrieved_docs as double) as retrieved_docs,
        try_cast(j.tool_calls as double) as tool_calls,
        try_cast(j.tool_errors as double) as tool_errors,
        try_cast(j.retries as double) as retries,
        try_cast(j.feedback as double) as feedback,
        try_cast(j.task_success as boolean) as task_success,
        try_cast(j.structured_output as boolean) as structured_output,
        try_cast(j.parse_ok as boolean) as parse_ok,
        try_cast(j.retrieval_used as boolean) as retrieval_used,
        try_cast(j.context_truncated as boolean) as context_truncated,
        try_cast(j.fallback as boolean) as fallback,
        try_cast(j.escalated as boolean) as escalated,
        try_cast(j.eval_pass as boolean) as eval_pass
    from parsed
),

checked as (
    select
        *,
        case
            when raw is null or trim(raw) = '' then 'blank'
            when j is null then 'line is not a JSON object'
            when coalesce(j.request_id, '') = '' then 'missing required field request_id'
            when j.timestamp is null then 'missing required field timestamp'
            when coalesce(j.route, '') = '' then 'missing required field route'
            when coalesce(j.model, '') = '' then 'missing required field model'
            when j.status is null then 'missing required field status'
            when j.latency_ms is null then 'missing required field latency_ms'
            when started_at is null or not has_offset
                then 'timestamp "' || left(j.timestamp, 64) || '" is not RFC 3339 with a UTC offset'
            when j.status not in ('ok', 'error', 'timeout', 'rate_limited', 'cancelled')
                then 'status "' || left(j.status, 64) || '" is not one of ok, error, timeout, rate_limited, cancelled'
            when latency_ms is null or isnan(latency_ms) or isinf(latency_ms)
                then 'latency_ms "' || left(j.latency_ms, 64) || '" is not a number'
            when latency_ms < 0 then 'latency_ms is negative'
            when j.ttft_ms is not null and coalesce(ttft_ms < 0 or isnan(ttft_ms), true)
                then 'ttft_ms "' || left(j.ttft_ms, 64) || '" is not a number >= 0'
            when j.cost_usd is not null and coalesce(cost_number < 0 or isnan(cost_number) or cost_number >= 1e6, true)
                then 'cost_usd "' || left(j.cost_usd, 64) || '" is not a number from 0 to 999999'
            when j.temperature is not null and temperature is null
                then 'temperature "' || left(j.temperature, 64) || '" is not a number'
            when j.input_tokens is not null and coalesce(input_tokens < 0 or input_tokens <> trunc(input_tokens), true)
                then 'input_tokens "' || left(j.input_tokens, 64) || '" is not a whole number >= 0'
            when j.output_tokens is not null and coalesce(output_tokens < 0 or output_tokens <> trunc(output_tokens), true)
                then 'output_tokens "' || left(j.output_tokens, 64) || '" is not a whole number >= 0'
            when j.cached_input_tokens is not null and coalesce(cached_input_tokens < 0 or cached_input_tokens <> trunc(cached_input_tokens), true)
                then 'cached_input_tokens "' || left(j.cached_input_tokens, 64) || '" is not a whole number >= 0'
            when j.reasoning_tokens is not null and coalesce(reasoning_tokens < 0 or reasoning_tokens <> trunc(reasoning_tokens), true)
                then 'reasoning_tokens "' || left(j.reasoning_tokens, 64) || '" is not a whole number >= 0'
            when j.retrieved_docs is not null and coalesce(retrieved_docs < 0 or retrieved_docs <> trunc(retrieved_docs), true)
                then 'retrieved_docs "' || left(j.retrieved_docs, 64) || '" is not a whole number >= 0'
            when j.tool_calls is not null and coalesce(tool_calls < 0 or tool_calls <> trunc(tool_calls), true)
                then 'tool_calls "' || left(j.tool_calls, 64) || '" is not a whole number >= 0'
            when j.tool_errors is not null and coalesce(tool_errors < 0 or tool_errors <> trunc(tool_errors), true)
                then 'tool_errors "' || left(j.tool_errors, 64) || '" is not a whole number >= 0'
            when j.retries is not null and coalesce(retries < 0 or retries <> trunc(retries), true)
                then 'retries "' || left(j.retries, 64) || '" is not a whole number >= 0'
            when j.feedback is not null and coalesce(feedback not in (-1, 0, 1), true)
                then 'feedback "' || left(j.feedback, 64) || '" is not -1, 0 or 1'
            when j.task_success is not null and task_success is null
                then 'task_success "' || left(j.task_success, 64) || '" is not true or false'
            when j.structured_output is not null and structured_output is null
                then 'structured_output "' || left(j.structured_output, 64) || '" is not true or false'
            when j.parse_ok is not null and parse_ok is null
                then 'parse_ok "' || left(j.parse_ok, 64) || '" is not true or false'
            when j.retrieval_used is not null and retrieval_used is null
                then 'retrieval_used "' || left(j.retrieval_used, 64) || '" is not true or false'
            when j.context_truncated is not null and context_truncated is null
                then 'context_truncated "' || left(j.context_truncated, 64) || '" is not true or false'
            when j.fallback is not null and fallback is null
                then 'fallback "' || left(j.fallback, 64) || '" is not true or false'
            when j.escalated is not null and escalated is null
                then 'escalated "' || left(j.escalated, 64) || '" is not true or false'
            when j.eval_pass is not null and eval_pass is null
                then 'eval_pass "' || left(j.eval_pass, 64) || '" is not true or false'
        end as reject_reason,
        -- A line has a field outside the contract only if it has more keys than contract fields
        -- present; every key is followed by a colon, so counting colons (less the timestamp's)
        -- bounds the key count from above. Only lines that may have extra keys pay for a re-parse.
        (length(raw) - length(replace(raw, ':', '')))
            - (length(j.timestamp) - length(replace(j.timestamp, ':', ''))) > (
            (j.request_id is not null)::int + (j.timestamp is not null)::int + (j.route is not null)::int
            + (j.model is not null)::int + (j.status is not null)::int + (j.latency_ms is not null)::int
            + (j.provider is not null)::int + (j.tenant is not null)::int + (j.user_role is not null)::int
            + (j.task_id is not null)::int + (j.task_success is not null)::int + (j.ttft_ms is not null)::int
            + (j.input_tokens is not null)::int + (j.output_tokens is not null)::int
            + (j.cached_input_tokens is not null)::int + (j.reasoning_tokens is not null)::int
            + (j.cost_usd is not null)::int + (j.structured_output is not null)::int
            + (j.parse_ok is not null)::int + (j.retrieval_used is not null)::int
            + (j.retrieved_docs is not null)::int + (j.context_truncated is not null)::int
            + (j.tool_calls is not null)::int + (j.tool_errors is not null)::int + (j.retries is not null)::int
            + (j.fallback is not null)::int + (j.escalated is not null)::int + (j.eval_pass is not null)::int
            + (j.feedback is not null)::int + (j.prompt_version is not null)::int + (j.release is not null)::int
            + (j.retrieval_config is not null)::int + (j.tool_schema_version is not null)::int
            + (j.temperature is not null)::int + (j.error_type is not null)::int
        ) as may_have_extra_keys
    from typed
),

final as (
    select
        j.request_id,
        started_at,
        j.route,
        j.model,
        j.status,
        latency_ms,
        j.provider,
        j.tenant,
        j.user_role,
        coalesce(j.task_id, j.request_id) as task_id,
        task_success,
        ttft_ms,
        input_tokens::bigint as input_tokens,
        output_tokens::bigint as output_tokens,
        cached_input_tokens::bigint as cached_input_tokens,
        reasoning_tokens::bigint as reasoning_tokens,
        try_cast(j.cost_usd as decimal(18, 12)) as cost_usd,
        case when j.cost_usd is not null then 'log' end as cost_source,
        structured_output,
        parse_ok,
        retrieval_used,
        retrieved_docs::bigint as retrieved_docs,
        context_truncated,
        tool_calls::bigint as tool_calls,
        tool_errors::bigint as tool_errors,
        retries::bigint as retries,
        fallback,
        escalated,
        eval_pass,
        feedback::tinyint as feedback,
        j.prompt_version,
        j.release,
        j.retrieval_config,
        j.tool_schema_version,
        temperature,
        j.error_type,
        case when reject_reason is null and may_have_extra_keys then nullif(json_merge_patch(raw, '{
            "request_id": null, "timestamp": null, "route": null, "model": null, "status": null,
            "latency_ms": null, "provider": null, "tenant": null, "user_role": null, "task_id": null,
            "task_success": null, "ttft_ms": null, "input_tokens": null, "output_tokens": null,
            "cached_input_tokens": null, "reasoning_tokens": null, "cost_usd": null,
            "structured_output": null, "parse_ok": null, "retrieval_used": null, "retrieved_docs": null,
            "context_truncated": null, "tool_calls": null, "tool_errors": null, "retries": null,
            "fallback": null, "escalated": null, "eval_pass": null, "feedback": null,
            "prompt_version": null, "release": null, "retrieval_config": null,
            "tool_schema_version": null, "temperature": null, "error_type": null,
            "prompt": null, "response": null, "messages": null}')::varchar, '{}')::json end as attributes,
        case when $store_free_text and reject_reason is null and may_have_extra_keys
                and ((raw -> '$.prompt') is not null or (raw -> '$.response') is not null or (raw -> '$.messages') is not null)
            then json_object(
                'prompt', redact_free_text(raw ->> '$.prompt'),
                'response', redact_free_text(raw ->> '$.response'),
                'messages', redact_free_text((raw -> '$.messages')::varchar)
            ) end as free_text,
        $path as source_file,
        $batch_id as batch_id,
        reject_reason as _reject_reason,
        case when reject_reason is not null then left(raw, 2048) end as _raw_line
    from checked
)

select * from final
