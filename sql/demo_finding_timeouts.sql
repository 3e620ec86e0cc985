-- demo_finding_timeouts.sql: the demo's timeout incident, the worst hours by model.
select
    window_start as hour,
    segment as model,
    round(100 * value, 1) as timeout_pct,
    sample_size as calls
from metrics
where grain = 'hour' and dimension = 'model' and metric = 'timeout_rate' and sample_size >= 20
order by value desc, window_start
limit 5
