-- digest_chart.sql: daily p95 latency and cost per successful task of the week's busiest routes
-- (the $routes most called), over the week and the one before. Parameters: $this_week, $last_week, $routes.
with busiest as (
    select segment as route
    from metrics
    where grain = 'week' and window_start = $this_week and dimension = 'route' and metric = 'requests'
    order by value desc, segment
    limit $routes
)

select window_start as day, segment as route, metric, value
from metrics
where grain = 'day'
    and dimension = 'route'
    and metric in ('latency_p95_ms', 'cost_per_successful_task_usd')
    and segment in (select route from busiest)
    and window_start >= $last_week
    and window_start < $this_week + interval 7 days
order by day, route, metric
