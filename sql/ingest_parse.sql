-- ingest_parse.sql: parses and validates every line of one source file in one parallel pass and
-- appends them to `requests` in file order, each with its verdict in _reject_reason (NULL: accepted).
-- ingest_verdicts.sql then moves rejected lines to rejected_records within the same transaction.
-- Calls with tokens but no cost_usd are priced here from temp table price_rates (one
-- row per provider, model, 30-minute bucket and input-token tier, built from genai-prices): exact
-- DECIMAL arithmetic, rounded to 1e-12 USD.
-- The source_lines query gives `raw` (a line's text), and for a mapped source (NULL for files)
-- `fields` (its contract fields as text, where a line's are parsed from `raw`), `free` (its free
-- text, when kept) and `extra` (the attributes its mapping keeps, as a JSON object). Either way the
-- values then pass the same conversions and checks.
-- Parameters: $source_name (what source_file records), $batch_id, $store_free_text, plus those of
-- the source_lines query spliced in ($path: the file read).
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
    -- One typed parse per line, like DuckDB's own read_json. A value of the wrong type parses as NULL.
    select
        raw,
        extra,
        fields,
        free,
        case when starts_with(ltrim(raw), '{') then try(json_transform(raw, '{
            "request_id": "VARCHAR", "timestamp": "VARCHAR", "route": "VARCHAR", "model": "VARCHAR",
            "status": "VARCHAR", "latency_ms": "DOUBLE", "provider": "VARCHAR", "tenant": "VARCHAR",
            "user_role": "VARCHAR", "task_id": "VARCHAR", "task_success": "BOOLEAN", "ttft_ms": "DOUBLE",
            "input_tokens": "DOUBLE", "output_tokens": "DOUBLE", "cached_input_tokens": "DOUBLE",
            "reasoning_tokens": "DOUBLE", "cost_usd": "DOUBLE", "structured_output": "BOOLEAN",
            "parse_ok": "BOOLEAN", "retrieval_used": "BOOLEAN", "retrieved_docs": "DOUBLE",
            "context_truncated": "BOOLEAN", "tool_calls": "DOUBLE", "tool_errors": "DOUBLE",
            "retries": "DOUBLE", "fallback": "BOOLEAN", "escalated": "BOOLEAN", "eval_pass": "BOOLEAN",
            "feedback": "DOUBLE", "prompt_version": "VARCHAR", "release": "VARCHAR",
            "retrieval_config": "VARCHAR", "tool_schema_version": "VARCHAR", "temperature": "DOUBLE",
            "error_type": "VARCHAR"}')) end as t
    from source_lines
),

counted as (
    -- Every key is followed by a colon, so the colons outside null values (less the timestamp's)
    -- bound the count of keys with a value from above (a ":null" inside a string also brought its
    -- own colon, so removing it never lowers the bound below the true count). A line whose bound
    -- equals the number of contract fields that parsed to a value has no other key with a value and
    -- no value of the wrong type: it needs nothing more. Any other line (an extra key, a mistyped
    -- value, a colon inside a value) gets a second, all-text parse below, which gives the reason
    -- with the value as written and the fields outside the contract.
    select
        raw,
        extra,
        fields,
        free,
        t,
        t is not null and strlen(replace(raw, ':null', '')) - strlen(replace(replace(raw, ':null', ''), ':', ''))
            - (strlen(t.timestamp) - strlen(replace(t.timestamp, ':', ''))) = (
            (t.request_id is not null)::int + (t.timestamp is not null)::int + (t.route is not null)::int
            + (t.model is not null)::int + (t.status is not null)::int + (t.latency_ms is not null)::int
            + (t.provider is not null)::int + (t.tenant is not null)::int + (t.user_role is not null)::int
            + (t.task_id is not null)::int + (t.task_success is not null)::int + (t.ttft_ms is not null)::int
            + (t.input_tokens is not null)::int + (t.output_tokens is not null)::int + (t.cached_input_tokens is not null)::int
            + (t.reasoning_tokens is not null)::int + (t.cost_usd is not null)::int + (t.structured_output is not null)::int
            + (t.parse_ok is not null)::int + (t.retrieval_used is not null)::int + (t.retrieved_docs is not null)::int
            + (t.context_truncated is not null)::int + (t.tool_calls is not null)::int + (t.tool_errors is not null)::int
            + (t.retries is not null)::int + (t.fallback is not null)::int + (t.escalated is not null)::int
            + (t.eval_pass is not null)::int + (t.feedback is not null)::int + (t.prompt_version is not null)::int
            + (t.release is not null)::int + (t.retrieval_config is not null)::int + (t.tool_schema_version is not null)::int
            + (t.temperature is not null)::int + (t.error_type is not null)::int
        ) as is_plain
    from parsed
),

typed as (
    select
        raw,
        extra,
        fields,
        free,
        t,
        is_plain,
        -- the values as text: a mapped source's fields, or a line's second parse
        coalesce(fields, case when t is not null and not is_plain then json_transform(raw, '{
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
            "error_type": "VARCHAR"}') end) as v
    from counted
),

valued as (
    select
        raw,
        extra,
        fields,
        free,
        is_plain,
        v,
        coalesce(t.request_id, v.request_id) as request_id,
        coalesce(t.timestamp, v.timestamp) as timestamp,
        coalesce(t.route, v.route) as route,
        coalesce(t.model, v.model) as model,
        coalesce(t.status, v.status) as status,
        coalesce(t.latency_ms, try_cast(v.latency_ms as double)) as latency_ms,
        coalesce(t.provider, v.provider) as provider,
        coalesce(t.tenant, v.tenant) as tenant,
        coalesce(t.user_role, v.user_role) as user_role,
        coalesce(t.task_id, v.task_id) as task_id,
        coalesce(t.task_success, try_cast(v.task_success as boolean)) as task_success,
        coalesce(t.ttft_ms, try_cast(v.ttft_ms as double)) as ttft_ms,
        coalesce(t.input_tokens, try_cast(v.input_tokens as double)) as input_tokens,
        coalesce(t.output_tokens, try_cast(v.output_tokens as double)) as output_tokens,
        coalesce(t.cached_input_tokens, try_cast(v.cached_input_tokens as double)) as cached_input_tokens,
        coalesce(t.reasoning_tokens, try_cast(v.reasoning_tokens as double)) as reasoning_tokens,
        coalesce(t.cost_usd, try_cast(v.cost_usd as double)) as cost_usd,
        coalesce(t.structured_output, try_cast(v.structured_output as boolean)) as structured_output,
        coalesce(t.parse_ok, try_cast(v.parse_ok as boolean)) as parse_ok,
        coalesce(t.retrieval_used, try_cast(v.retrieval_used as boolean)) as retrieval_used,
        coalesce(t.retrieved_docs, try_cast(v.retrieved_docs as double)) as retrieved_docs,
        coalesce(t.context_truncated, try_cast(v.context_truncated as boolean)) as context_truncated,
        coalesce(t.tool_calls, try_cast(v.tool_calls as double)) as tool_calls,
        coalesce(t.tool_errors, try_cast(v.tool_errors as double)) as tool_errors,
        coalesce(t.retries, try_cast(v.retries as double)) as retries,
        coalesce(t.fallback, try_cast(v.fallback as boolean)) as fallback,
        coalesce(t.escalated, try_cast(v.escalated as boolean)) as escalated,
        coalesce(t.eval_pass, try_cast(v.eval_pass as boolean)) as eval_pass,
        coalesce(t.feedback, try_cast(v.feedback as double)) as feedback,
        coalesce(t.prompt_version, v.prompt_version) as prompt_version,
        coalesce(t.release, v.release) as release,
        coalesce(t.retrieval_config, v.retrieval_config) as retrieval_config,
        coalesce(t.tool_schema_version, v.tool_schema_version) as tool_schema_version,
        coalesce(t.temperature, try_cast(v.temperature as double)) as temperature,
        coalesce(t.error_type, v.error_type) as error_type,
        try_cast(coalesce(t.timestamp, v.timestamp) as timestamptz) as started_at
    from typed
),

checked as (
    select
        *,
        case
            when v is null and (raw is null or trim(raw) = '') then 'blank'
            when not is_plain and v is null then 'line is not a JSON object'
            when coalesce(request_id, '') = '' then 'missing required field request_id'
            when timestamp is null then 'missing required field timestamp'
            when coalesce(route, '') = '' then 'missing required field route'
            when coalesce(model, '') = '' then 'missing required field model'
            when status is null then 'missing required field status'
            when latency_ms is null and v.latency_ms is null then 'missing required field latency_ms'
            -- RFC 3339 needs an explicit offset; DuckDB alone would read a bare time in the session zone.
            when started_at is null
                or not regexp_matches(timestamp, '^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d(:\d\d(\.\d+)?)?([Zz]|[+-]\d\d(:?\d\d)?)$')
                then 'timestamp "' || left(timestamp, 64) || '" is not RFC 3339 with a UTC offset'
            when status not in ('ok', 'error', 'timeout', 'rate_limited', 'cancelled')
                then 'status "' || left(status, 64) || '" is not one of ok, error, timeout, rate_limited, cancelled'
            when latency_ms is null or isnan(latency_ms) or isinf(latency_ms)
                then 'latency_ms "' || left(v.latency_ms, 64) || '" is not a number'
            when latency_ms < 0 then 'latency_ms is negative'
            when v.ttft_ms is not null and coalesce(ttft_ms < 0 or isnan(ttft_ms), true) or ttft_ms < 0
                then 'ttft_ms "' || left(coalesce(v.ttft_ms, raw ->> '$.ttft_ms'), 64) || '" is not a number >= 0'
            when v.cost_usd is not null and cost_usd is null or cost_usd < 0 or cost_usd >= 1e6 or isnan(cost_usd)
                then 'cost_usd "' || left(coalesce(v.cost_usd, raw ->> '$.cost_usd'), 64) || '" is not a number from 0 to 999999'
            when v.temperature is not null and temperature is null
                then 'temperature "' || left(v.temperature, 64) || '" is not a number'
            when v.input_tokens is not null and input_tokens is null or input_tokens < 0 or input_tokens <> trunc(input_tokens)
                then 'input_tokens "' || left(coalesce(v.input_tokens, raw ->> '$.input_tokens'), 64) || '" is not a whole number >= 0'
            when v.output_tokens is not null and output_tokens is null or output_tokens < 0 or output_tokens <> trunc(output_tokens)
                then 'output_tokens "' || left(coalesce(v.output_tokens, raw ->> '$.output_tokens'), 64) || '" is not a whole number >= 0'
            when v.cached_input_tokens is not null and cached_input_tokens is null or cached_input_tokens < 0 or cached_input_tokens <> trunc(cached_input_tokens)
                then 'cached_input_tokens "' || left(coalesce(v.cached_input_tokens, raw ->> '$.cached_input_tokens'), 64) || '" is not a whole number >= 0'
            when v.reasoning_tokens is not null and reasoning_tokens is null or reasoning_tokens < 0 or reasoning_tokens <> trunc(reasoning_tokens)
                then 'reasoning_tokens "' || left(coalesce(v.reasoning_tokens, raw ->> '$.reasoning_tokens'), 64) || '" is not a whole number >= 0'
            when v.retrieved_docs is not null and retrieved_docs is null or retrieved_docs < 0 or retrieved_docs <> trunc(retrieved_docs)
                then 'retrieved_docs "' || left(coalesce(v.retrieved_docs, raw ->> '$.retrieved_docs'), 64) || '" is not a whole number >= 0'
            when v.tool_calls is not null and tool_calls is null or tool_calls < 0 or tool_calls <> trunc(tool_calls)
                then 'tool_calls "' || left(coalesce(v.tool_calls, raw ->> '$.tool_calls'), 64) || '" is not a whole number >= 0'
            when v.tool_errors is not null and tool_errors is null or tool_errors < 0 or tool_errors <> trunc(tool_errors)
                then 'tool_errors "' || left(coalesce(v.tool_errors, raw ->> '$.tool_errors'), 64) || '" is not a whole number >= 0'
            when v.retries is not null and retries is null or retries < 0 or retries <> trunc(retries)
                then 'retries "' || left(coalesce(v.retries, raw ->> '$.retries'), 64) || '" is not a whole number >= 0'
            when v.feedback is not null and feedback is null or feedback not in (-1, 0, 1)
                then 'feedback "' || left(coalesce(v.feedback, raw ->> '$.feedback'), 64) || '" is not -1, 0 or 1'
            when v.task_success is not null and task_success is null
                then 'task_success "' || left(v.task_success, 64) || '" is not true or false'
            when v.structured_output is not null and structured_output is null
                then 'structured_output "' || left(v.structured_output, 64) || '" is not true or false'
            when v.parse_ok is not null and parse_ok is null
                then 'parse_ok "' || left(v.parse_ok, 64) || '" is not true or false'
            when v.retrieval_used is not null and retrieval_used is null
                then 'retrieval_used "' || left(v.retrieval_used, 64) || '" is not true or false'
            when v.context_truncated is not null and context_truncated is null
                then 'context_truncated "' || left(v.context_truncated, 64) || '" is not true or false'
            when v.fallback is not null and fallback is null
                then 'fallback "' || left(v.fallback, 64) || '" is not true or false'
            when v.escalated is not null and escalated is null
                then 'escalated "' || left(v.escalated, 64) || '" is not true or false'
            when v.eval_pass is not null and eval_pass is null
                then 'eval_pass "' || left(v.eval_pass, 64) || '" is not true or false'
        end as reject_reason
    from valued
),

final as (
    select
        request_id,
        started_at,
        route,
        checked.model,
        status,
        latency_ms,
        checked.provider,
        tenant,
        user_role,
        coalesce(task_id, request_id) as task_id,
        task_success,
        ttft_ms,
        input_tokens::bigint as input_tokens,
        output_tokens::bigint as output_tokens,
        cached_input_tokens::bigint as cached_input_tokens,
        reasoning_tokens::bigint as reasoning_tokens,
        coalesce(
            try_cast(v.cost_usd as decimal(18, 12)),
            cost_usd::decimal(18, 12),
            cast(
                rates.base_usd
                + rates.input_usd_per_token * input_tokens::bigint
                + rates.cached_delta_usd_per_token * coalesce(cached_input_tokens, 0)::bigint
                + rates.output_usd_per_token * output_tokens::bigint
                as decimal(18, 12))
        ) as cost_usd,
        case when cost_usd is not null then 'log' when rates.model is not null then 'genai-prices' end as cost_source,
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
        prompt_version,
        release,
        retrieval_config,
        tool_schema_version,
        temperature,
        error_type,
        case when reject_reason is null and extra is not null then extra
             when reject_reason is null and not is_plain and fields is null then nullif(json_merge_patch(raw, '{
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
        case when $store_free_text and reject_reason is null and coalesce(free.prompt, free.response, free.messages) is not null
            then json_object(
                'prompt', redact_free_text(free.prompt),
                'response', redact_free_text(free.response),
                'messages', redact_free_text(free.messages)
            )
             when $store_free_text and reject_reason is null and not is_plain and fields is null
                and ((raw -> '$.prompt') is not null or (raw -> '$.response') is not null or (raw -> '$.messages') is not null)
            then json_object(
                'prompt', redact_free_text(raw ->> '$.prompt'),
                'response', redact_free_text(raw ->> '$.response'),
                'messages', redact_free_text((raw -> '$.messages')::varchar)
            ) end as free_text,
        $source_name as source_file,
        $batch_id as batch_id,
        reject_reason as _reject_reason,
        -- a rejected line is kept as read, less its free text (redacted instead when free text is kept)
        case when reject_reason is not null then left(case
            when fields is not null then json_merge_patch('{}', to_json(fields))::varchar  -- mapped: its fields as read
            when not is_plain and v is null then raw   -- not a JSON object: as read
            when (raw -> '$.prompt') is null and (raw -> '$.response') is null and (raw -> '$.messages') is null then raw
            when $store_free_text then json_merge_patch(raw, json_object(
                'prompt', redact_free_text(raw ->> '$.prompt'),
                'response', redact_free_text(raw ->> '$.response'),
                'messages', redact_free_text((raw -> '$.messages')::varchar)))::varchar
            else json_merge_patch(raw, '{"prompt": null, "response": null, "messages": null}')::varchar
        end, 2048) end as _raw_line
    from checked
    left join price_rates as rates
        on reject_reason is null
        and cost_usd is null
        and rates.provider is not distinct from checked.provider
        and rates.model = checked.model
        and rates.bucket_start = time_bucket(interval 30 minutes, checked.started_at)
        and input_tokens > rates.input_tokens_above
        and input_tokens <= rates.input_tokens_up_to
        and output_tokens is not null
)

select * from final
