-- metrics_tails.sql: exact latency and TTFT quantiles (quantile_cont) of the ok calls for one grain
-- ($grain: hour, day or week), per dimension and segment, for the touched weeks' windows; appended
-- to temp table metric_tails. One grain per statement: a quantile keeps every value of its group in
-- memory, so five grouping sets at a time hold a third of what fifteen would.
-- Parameters: $grain.
insert into metric_tails by name
with touched_weeks as (
    select window_start
    from metric_windows
    where grain = 'week'
),

ok_calls as (
    select
        date_trunc($grain, started_at) as window_start,
        route,
        model,
        coalesce(prompt_version, '') as prompt_version,
        coalesce(tenant, '') as tenant,
        latency_ms,
        ttft_ms,
    from requests
    where status = 'ok'
        and started_at >= (select min(window_start) from touched_weeks)
        and date_trunc('week', started_at) in (select window_start from touched_weeks)
),

final as (
    select
        $grain as grain,
        window_start,
        dimension_of(grouping(route), grouping(model), grouping(prompt_version), grouping(tenant)) as dimension,
        coalesce(route, model, prompt_version, tenant, 'all') as segment,
        quantile_cont(latency_ms, [0.5, 0.9, 0.95, 0.99]) as latency_ms_q,
        quantile_cont(ttft_ms, [0.5, 0.95]) as ttft_ms_q,
    from ok_calls
    group by grouping sets (
        (window_start), (window_start, route), (window_start, model), (window_start, prompt_version), (window_start, tenant)
    )
)

select * from final
