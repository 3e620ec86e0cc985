-- demo_finding_cost.sql: cost per successful task by route over the demo's last 7 days.
with last_week as (
    select max(window_start) - interval 6 days as first_day from metrics where grain = 'day'
)

select
    metrics.segment as route,
    round(sum(metrics.value * metrics.sample_size) / sum(metrics.sample_size), 5) as usd_per_successful_task
from metrics, last_week
where metrics.grain = 'day' and metrics.dimension = 'route' and metrics.metric = 'cost_per_successful_task_usd'
    and metrics.window_start >= last_week.first_day
group by metrics.segment
order by usd_per_successful_task desc
