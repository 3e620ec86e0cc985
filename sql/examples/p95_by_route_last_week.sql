-- p95 latency by route, last complete ISO week (UTC).
select segment as route, round(latency_p95_ms) as p95_ms, requests
from metrics_weekly
where dimension = 'route'
    and window_start = date_trunc('week', now()) - interval 7 days
order by p95_ms desc;
