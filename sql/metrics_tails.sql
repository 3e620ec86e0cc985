-- metrics_tails.sql: exact latency and TTFT quantiles (quantile_cont) of the ok calls for one grain
-- ($grain: hour, day or week), per dimension and segment, with the counts they are over; appended
-- to temp table metric_tails. Hours and days: the windows of temp table metric_windows, from their
-- calls. Weeks: those of temp table tail_weeks from their calls, and the other weeks of
-- metric_windows as metric_week_tails keeps them (metrics_windows.sql says which are which). One
-- grain per statement: a quantile keeps every value of its group in memory, so five grouping sets
-- at a time hold a third of what fifteen would.
-- Parameters: $grain.
insert into metric_tails by name
with windows as (
    select window_start from metric_windows where grain = $grain and $grain <> 'week'
    union all
    select week_start from tail_weeks where $grain = 'week'
),

bounds as (
    select
        min(window_start) as first_start,
        max(window_start) + case $grain when 'hour' then interval 1 hour when 'day' then interval 1 day
            else interval 7 days end as last_end,
    from windows
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
    from requests, bounds
    where status = 'ok'
        and started_at >= bounds.first_start
        and started_at < bounds.last_end
        and date_trunc($grain, started_at) in (select window_start from windows)
),

final as (
    select
        $grain as grain,
        window_start,
        dimension_of(grouping(route), grouping(model), grouping(prompt_version), grouping(tenant)) as dimension,
        coalesce(route, model, prompt_version, tenant, 'all') as segment,
        quantile_cont(latency_ms, [0.5, 0.9, 0.95, 0.99]) as latency_ms_q,
        quantile_cont(ttft_ms, [0.5, 0.95]) as ttft_ms_q,
        count(*) as ok_calls,
        count(ttft_ms) as ttft_calls,
    from ok_calls
    group by grouping sets (
        (window_start), (window_start, route), (window_start, model), (window_start, prompt_version), (window_start, tenant)
    )
)

select * from final;

insert into metric_tails by name
select
    * exclude (week_start, computed_through),
    'week' as grain,
    week_start as window_start,
from metric_week_tails
where $grain = 'week'
    and week_start in (select window_start from metric_windows where grain = 'week')
    and week_start not in (select week_start from tail_weeks);
