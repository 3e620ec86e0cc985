-- ingest_parse.sql: parses and validates every line of one source file in one parallel pass and
-- appends them to `requests` in file order, each with its verdict in _reject_reason (NULL: accepted).
-- ingest_verdicts.sql then moves rejected lines to rejected_records within the same transaction.
-- Calls with tokens but no cost_usd are priced here from the variables price_book_*
-- (sql/ingest_price_rates.sql, built from genai-prices): exact DECIMAL arithmetic, rounded to 1e-12
-- USD. Every step is a projection or a filter, never a join, so the rows reach `requests` in file
-- order (DuckDB guarantees it for these clauses): sql/ingest_verdicts.sql numbers lines by it.
-- A rejected line never passes through a cast that can fail: each reason is decided on the values
-- as parsed (DOUBLE, text), and the casts to the stored types apply to accepted lines only.
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
    -- bound the count of keys with a value from above: ":null" and ": null" (Python's json.dumps)
    -- are removed, and one inside a string also brought its own colon, so removing it never lowers
    -- the bound below the true count. A line whose bound equals the number of contract fields that
    -- parsed to a value has no other key with a value and no value of the wrong type: it needs
    -- nothing more. Any other line (an extra key, a mistyped
    -- value, a colon inside a value) gets a second, all-text parse below, which gives the reason
    -- with the value as written and the fields outside the contract.
    select
        raw,
        extra,
        fields,
        free,
        t,
        t is not null and strlen(replace(replace(raw, ': null', ''), ':null', ''))
            - strlen(replace(replace(replace(raw, ': null', ''), ':null', ''), ':', ''))
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
    -- an empty optional text field counts as absent, like null: '' is how metrics name "absent"
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
        nullif(coalesce(t.provider, v.provider), '') as provider,
        nullif(coalesce(t.tenant, v.tenant), '') as tenant,
        nullif(coalesce(t.user_role, v.user_role), '') as user_role,
        nullif(coalesce(t.task_id, v.task_id), '') as task_id,
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
        nullif(coalesce(t.prompt_version, v.prompt_version), '') as prompt_version,
        nullif(coalesce(t.release, v.release), '') as release,
        nullif(coalesce(t.retrieval_config, v.retrieval_config), '') as retrieval_config,
        nullif(coalesce(t.tool_schema_version, v.tool_schema_version), '') as tool_schema_version,
        coalesce(t.temperature, try_cast(v.temperature as double)) as temperature,
        nullif(coalesce(t.error_type, v.error_type), '') as error_type,
        try_cast(coalesce(t.timestamp, v.timestamp) as timestamptz) as started_at,
        -- the cost as stored: a line's from the DOUBLE the typed parse read, through its shortest
        -- decimal text (a direct cast multiplies in binary and can miss the last digits), whether
        -- the line is plain or not, so the same value is stored the same (CSV and Parquet rows are
        -- lines too); a mapped record's from its text
        case when t.cost_usd is not null then try_cast(t.cost_usd::varchar as decimal(18, 12))
            else coalesce(try_cast(v.cost_usd as decimal(18, 12)), try_cast(try_cast(v.cost_usd as double) as decimal(18, 12)))
        end as cost_decimal
    from typed
),

checked as (
    select
        *,
        case
            -- A plain line (no text parse: v is null) whose values all pass, in one combined test that
            -- implies every reason below is absent; only the other lines go down the reasons one by one.
            when v is null and is_plain
                and request_id <> '' and route <> '' and model <> ''
                and is_known_status(status)
                and started_at is not null
                and is_rfc3339_with_offset(timestamp)
                and isfinite(latency_ms) and latency_ms >= 0
                and (ttft_ms is null or isfinite(ttft_ms) and ttft_ms >= 0)
                and (cost_usd is null or cost_decimal is not null and cost_usd >= 0)
                and (temperature is null or isfinite(temperature))
                and is_whole_count(input_tokens) and is_whole_count(output_tokens)
                and is_whole_count(cached_input_tokens) and is_whole_count(reasoning_tokens)
                and is_whole_count(retrieved_docs) and is_whole_count(tool_calls)
                and is_whole_count(tool_errors) and is_whole_count(retries)
                and (feedback is null or feedback in (-1, 0, 1))
                then null
            when v is null and (raw is null or trim(raw) = '') then 'blank'
            when not is_plain and v is null then 'line is not a JSON object'
            when coalesce(request_id, '') = '' then 'missing required field request_id'
            when timestamp is null then 'missing required field timestamp'
            when coalesce(route, '') = '' then 'missing required field route'
            when coalesce(model, '') = '' then 'missing required field model'
            when status is null then 'missing required field status'
            when latency_ms is null and v.latency_ms is null then 'missing required field latency_ms'
            when started_at is null
                or not is_rfc3339_with_offset(timestamp)
                then 'timestamp ' || shown(timestamp) || ' is not RFC 3339 with a UTC offset'
            when not is_known_status(status)
                then 'status ' || shown(status) || ' is not one of ok, error, timeout, rate_limited, cancelled'
            when latency_ms is null or not isfinite(latency_ms)
                then 'latency_ms ' || shown(coalesce(v.latency_ms, raw ->> '$.latency_ms')) || ' is not a number'
            when latency_ms < 0 then 'latency_ms is negative'
            else coalesce(
                duration_problem('ttft_ms', ttft_ms, v.ttft_ms, raw),
                case
                    when cost_usd is null and v.cost_usd is not null or isnan(cost_usd) or cost_usd < 0
                        then 'cost_usd ' || shown(coalesce(v.cost_usd, raw ->> '$.cost_usd')) || ' is not a number from 0 to 999999'
                    when cost_usd is not null and cost_decimal is null
                        then 'cost_usd ' || shown(coalesce(v.cost_usd, raw ->> '$.cost_usd')) || ' is out of range (at most 999999.999999999999)'
                end,
                case when v.temperature is not null and temperature is null or not isfinite(temperature)
                    then 'temperature ' || shown(coalesce(v.temperature, raw ->> '$.temperature')) || ' is not a number' end,
                whole_number_problem('input_tokens', input_tokens, v.input_tokens, raw),
                whole_number_problem('output_tokens', output_tokens, v.output_tokens, raw),
                whole_number_problem('cached_input_tokens', cached_input_tokens, v.cached_input_tokens, raw),
                whole_number_problem('reasoning_tokens', reasoning_tokens, v.reasoning_tokens, raw),
                whole_number_problem('retrieved_docs', retrieved_docs, v.retrieved_docs, raw),
                whole_number_problem('tool_calls', tool_calls, v.tool_calls, raw),
                whole_number_problem('tool_errors', tool_errors, v.tool_errors, raw),
                whole_number_problem('retries', retries, v.retries, raw),
                case when v.feedback is not null and feedback is null or feedback not in (-1, 0, 1)
                    then 'feedback ' || shown(coalesce(v.feedback, raw ->> '$.feedback')) || ' is not -1, 0 or 1' end,
                flag_problem('task_success', task_success, v.task_success),
                flag_problem('structured_output', structured_output, v.structured_output),
                flag_problem('parse_ok', parse_ok, v.parse_ok),
                flag_problem('retrieval_used', retrieval_used, v.retrieval_used),
                flag_problem('context_truncated', context_truncated, v.context_truncated),
                flag_problem('fallback', fallback, v.fallback),
                flag_problem('escalated', escalated, v.escalated),
                flag_problem('eval_pass', eval_pass, v.eval_pass)
            )
        end as check_reason
    from valued
),

priced as (
    -- The rate of an accepted call without a cost: its (provider, model) in price_book, the
    -- stretch its time falls in and its input-token tier. A price past what cost_usd can hold
    -- (absurd token counts) rejects the call instead of stopping the batch.
    select
        *,
        case when check_reason is null and cost_usd is null and input_tokens is not null and output_tokens is not null
            then list_filter(
                getvariable('price_book_rates')[list_position(getvariable('price_book_keys'), price_book_key(checked.provider, checked.model))],
                lambda rate: rate.valid_from <= started_at and started_at < rate.valid_to
                    and input_tokens > rate.input_tokens_above and input_tokens <= rate.input_tokens_up_to
            )[1] end as rate
    from checked
),

judged as (
    select
        *,
        coalesce(check_reason, case
            when rate is not null and rate.base_usd::double + rate.input_usd_per_token::double * input_tokens
                + rate.cached_delta_usd_per_token::double * coalesce(cached_input_tokens, 0)
                + rate.output_usd_per_token::double * output_tokens not between -1e-6 and 999999.999999
                then 'input_tokens ' || shown(input_tokens::varchar) || ' and output_tokens ' || shown(output_tokens::varchar)
                    || ' price beyond what cost_usd can hold (0 to 999999 USD)'
        end) as reject_reason
    from priced
),

final as (
    select
        request_id,
        started_at,
        route,
        model,
        status,
        latency_ms,
        provider,
        tenant,
        user_role,
        coalesce(task_id, request_id) as task_id,
        task_success,
        ttft_ms,
        case when reject_reason is null then input_tokens::bigint end as input_tokens,
        case when reject_reason is null then output_tokens::bigint end as output_tokens,
        case when reject_reason is null then cached_input_tokens::bigint end as cached_input_tokens,
        case when reject_reason is null then reasoning_tokens::bigint end as reasoning_tokens,
        case
            when reject_reason is not null then null
            when cost_usd is not null then cost_decimal
            when rate is not null then cast(
                rate.base_usd
                + rate.input_usd_per_token * input_tokens::bigint
                + rate.cached_delta_usd_per_token * coalesce(cached_input_tokens, 0)::bigint
                + rate.output_usd_per_token * output_tokens::bigint
                as decimal(18, 12))
        end as cost_usd,
        case when reject_reason is not null then null when cost_usd is not null then 'log' when rate is not null then 'genai-prices' end as cost_source,
        structured_output,
        parse_ok,
        retrieval_used,
        case when reject_reason is null then retrieved_docs::bigint end as retrieved_docs,
        context_truncated,
        case when reject_reason is null then tool_calls::bigint end as tool_calls,
        case when reject_reason is null then tool_errors::bigint end as tool_errors,
        case when reject_reason is null then retries::bigint end as retries,
        fallback,
        escalated,
        eval_pass,
        case when reject_reason is null then feedback::tinyint end as feedback,
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
    from judged
)

select * from final
