-- macros.sql: SQL macros shared by the ingest and metrics statements; created per connection (temporary).
-- redact_free_text(text): the text with e-mail addresses, API keys, card and phone numbers masked.
create or replace temp macro redact_free_text(text) as
    regexp_replace(
        regexp_replace(
            regexp_replace(
                regexp_replace(
                    text,
                    '(sk|pk|rk)[-_][A-Za-z0-9_-]{16,}|xox[abposr]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|AIza[0-9A-Za-z_-]{35}|[Bb]earer\s+[A-Za-z0-9._~+/-]{16,}=*',
                    '[API_KEY]', 'g'),
                '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}', '[EMAIL]', 'g'),
            '\b\d(?:[ -]?\d){12,18}\b', '[CARD]', 'g'),
        '\+?\(?\d{1,4}\)?(?:[ .-]?\(?\d{2,4}\)?){2,5}\d', '[PHONE]', 'g');

-- Labels of a GROUPING SETS row of the metrics statements, from grouping() of each key (0: grouped by it).
create or replace temp macro grain_of(hour_grouping, day_grouping) as
    case when hour_grouping = 0 then 'hour' when day_grouping = 0 then 'day' else 'week' end;

create or replace temp macro dimension_of(route_grouping, model_grouping, version_grouping, tenant_grouping) as
    case
        when route_grouping = 0 then 'route'
        when model_grouping = 0 then 'model'
        when version_grouping = 0 then 'prompt_version'
        when tenant_grouping = 0 then 'tenant'
        else 'all'
    end;

-- price_book_key(provider, model): the key of a call's rates in the price_book_keys variable
-- (sql/ingest_price_rates.sql); a call without a provider is priced by its model alone.
create or replace temp macro price_book_key(provider, model) as coalesce('provider:' || provider, 'any') || chr(31) || model;

-- shown(written): a value as a rejection reason quotes it: as written, cut to 64 characters; never NULL.
create or replace temp macro shown(written) as '"' || coalesce(left(written, 64), 'null') || '"';

-- Why a number read into `parsed` (DOUBLE) cannot be stored (NULL: it can). `written` is its text
-- where the line needed a text parse (NULL otherwise), `raw` the line, for the value as written.
-- whole_number_problem: a count of 0 .. 2^53 - 1 (above that a DOUBLE is no longer exact).
create or replace temp macro whole_number_problem(name, parsed, written, raw) as case
    when parsed is null then
        case when written is not null then name || ' ' || shown(written) || ' is not a whole number >= 0' end
    when not isfinite(parsed) or parsed < 0 or parsed <> trunc(parsed) then
        name || ' ' || shown(coalesce(written, raw ->> ('$.' || name))) || ' is not a whole number >= 0'
    when parsed > 9007199254740991 then
        name || ' ' || shown(coalesce(written, raw ->> ('$.' || name))) || ' is out of range (at most 9007199254740991)'
end;

-- duration_problem: a finite number of milliseconds >= 0.
create or replace temp macro duration_problem(name, parsed, written, raw) as case
    when parsed is null then
        case when written is not null then name || ' ' || shown(written) || ' is not a number >= 0' end
    when not isfinite(parsed) or parsed < 0 then
        name || ' ' || shown(coalesce(written, raw ->> ('$.' || name))) || ' is not a number >= 0'
end;

-- is_whole_count: NULL or a number whole_number_problem accepts, as one test (the fast path of
-- sql/ingest_parse.sql); NaN and infinities fail it (NaN sorts above every number).
create or replace temp macro is_whole_count(parsed) as
    parsed is null or parsed >= 0 and parsed = trunc(parsed) and parsed <= 9007199254740991;

-- is_rfc3339_with_offset: RFC 3339 with an explicit offset (DuckDB alone would read a bare time
-- in the session zone).
create or replace temp macro is_rfc3339_with_offset(text) as
    regexp_matches(text, '^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d(:\d\d(\.\d+)?)?([Zz]|[+-]\d\d(:?\d\d)?)$');

-- is_known_status: one of the statuses the contract allows (the reason for any other names them).
create or replace temp macro is_known_status(status) as status in ('ok', 'error', 'timeout', 'rate_limited', 'cancelled');

-- flag_problem: true or false.
create or replace temp macro flag_problem(name, parsed, written) as
    case when parsed is null and written is not null then name || ' ' || shown(written) || ' is not true or false' end;

-- check_segment_calls(range_start, range_end): every call of [range_start, range_end) once per
-- segment it belongs to (all calls, its route, model, prompt version, tenant), with the values the
-- quantile and mean checks read: latency and TTFT of ok calls, tokens of ok calls that report them,
-- and the cost of priced calls (DECIMAL, as stored, so that sums of it are exact).
create or replace temp macro check_segment_calls(range_start, range_end) as table
select
    unnest([
        {'dimension': 'all', 'segment': 'all'},
        {'dimension': 'route', 'segment': route},
        {'dimension': 'model', 'segment': model},
        {'dimension': 'prompt_version', 'segment': coalesce(prompt_version, '')},
        {'dimension': 'tenant', 'segment': coalesce(tenant, '')}
    ], recursive := true),
    case when status = 'ok' then latency_ms end as latency_ms,
    case when status = 'ok' then ttft_ms end as ttft_ms,
    case when status = 'ok' and (input_tokens is not null or output_tokens is not null)
        then coalesce(input_tokens, 0) + coalesce(output_tokens, 0) end::double as tokens,
    cost_usd,
    started_at,
    route,
    model,
    coalesce(prompt_version, '') as prompt_version,
    coalesce(tenant, '') as tenant,
from requests
where started_at >= range_start and started_at < range_end;

-- check_segment_tasks(range_start, range_end): every task with a call in [range_start, range_end)
-- once per segment it belongs to (all, the route and tenant of its first call), with its id, its
-- first call's time, its cost (its calls in the range) and outcome (the last task_success it
-- carries). Which models and prompt versions a task used is not kept here: a list per task holds
-- memory that does not spill (1.4 GB against 0.55 GB for a week of 4 M tasks), so
-- sql/check_exceedances.sql finds the tasks that used one model or version when it needs them.
create or replace temp macro check_segment_tasks(range_start, range_end) as table
with tasks as (
    select
        task_id,
        arg_min({'route': route, 'tenant': coalesce(tenant, ''), 'started_at': started_at},
                {'at': started_at, 'id': request_id}) as first_call,
        arg_max(task_success, {'at': started_at, 'id': request_id}) filter (where task_success is not null) as outcome,
        coalesce(sum(cost_usd), 0) as task_cost_usd,
    from requests
    where started_at >= range_start and started_at < range_end
    group by task_id
)

select
    unnest([
        {'dimension': 'all', 'segment': 'all'},
        {'dimension': 'route', 'segment': first_call.route},
        {'dimension': 'tenant', 'segment': first_call.tenant}
    ], recursive := true),
    task_id,
    outcome,
    task_cost_usd,
    first_call.started_at as started_at,
    first_call.route as route,
    first_call.tenant as tenant,
from tasks;
