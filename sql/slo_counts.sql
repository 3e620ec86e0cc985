-- slo_counts.sql: the good and total events of each SLO and segment over the burn-rate windows
-- (5 minutes, 30 minutes, 1 hour, 6 hours, 3 days) and over its own window of days, all ending at
-- $as_of, read from the calls since $since (the longest window's start). An event of availability
-- is a call (good: status ok or cancelled, which is the user's choice); of latency, an ok call
-- (good: no slower than latency_ms); of parse success, a structured call with a parse outcome
-- (good: it parsed); of retrieval non-empty, a retrieval with a document count (good: it found one).
-- Parameters: $slos (a list of {name, objective, latency_ms, dimension, segment, window_days}),
-- $since, $as_of.
with objectives as (
    select unnest($slos::struct(
        name varchar, objective varchar, latency_ms double, dimension varchar, segment varchar, window_days integer
    )[], recursive := true)
),

calls as (
    select
        started_at,
        route,
        coalesce(tenant, '') as tenant,
        status,
        latency_ms,
        structured_output,
        parse_ok,
        retrieval_used,
        retrieved_docs,
    from requests
    where started_at >= $since and started_at < $as_of
),

events as (
    select
        objectives.name,
        case objectives.dimension when 'all' then 'all' when 'route' then calls.route else calls.tenant end as segment,
        calls.started_at,
        objectives.window_days,
        case objectives.objective
            when 'availability' then calls.status in ('ok', 'cancelled')
            when 'latency' then calls.latency_ms <= objectives.latency_ms
            when 'parse_success' then calls.parse_ok
            else calls.retrieved_docs > 0
        end as is_good,
    from objectives
    inner join calls
        on case objectives.objective
            when 'availability' then true
            when 'latency' then calls.status = 'ok'
            when 'parse_success' then calls.structured_output and calls.parse_ok is not null
            else calls.retrieval_used and calls.retrieved_docs is not null
        end
    where objectives.segment is null
        or objectives.segment = case objectives.dimension when 'route' then calls.route else calls.tenant end
),

final as (
    select
        name,
        segment,
        count(*) filter (where started_at >= $as_of - interval 5 minute) as total_5m,
        count(*) filter (where started_at >= $as_of - interval 5 minute and is_good) as good_5m,
        count(*) filter (where started_at >= $as_of - interval 30 minute) as total_30m,
        count(*) filter (where started_at >= $as_of - interval 30 minute and is_good) as good_30m,
        count(*) filter (where started_at >= $as_of - interval 1 hour) as total_1h,
        count(*) filter (where started_at >= $as_of - interval 1 hour and is_good) as good_1h,
        count(*) filter (where started_at >= $as_of - interval 6 hour) as total_6h,
        count(*) filter (where started_at >= $as_of - interval 6 hour and is_good) as good_6h,
        count(*) filter (where started_at >= $as_of - interval 3 day) as total_3d,
        count(*) filter (where started_at >= $as_of - interval 3 day and is_good) as good_3d,
        count(*) filter (where started_at >= $as_of - to_days(window_days)) as total_budget,
        count(*) filter (where started_at >= $as_of - to_days(window_days) and is_good) as good_budget,
    from events
    group by name, segment
)

select * from final
