-- check_baseline_tasks.sql: the baseline of the cost_per_successful_task_usd check over one
-- baseline range [$range_start, $range_end), per segment (all, route, tenant), into table
-- check_baselines: the range's cost over its successful tasks, with the 90th percentile of single
-- tasks' cost, which the exceedance test counts against (interpolated in DOUBLE, as every other
-- quantile). Parameters: $range_start, $range_end.
insert into check_baselines (range_start, range_end, dimension, segment, metric, value, p90, sample_size)
select
    $range_start,
    $range_end,
    dimension,
    segment,
    'cost_per_successful_task_usd',
    sum(task_cost_usd) / nullif(count(*) filter (where outcome), 0),
    quantile_cont(task_cost_usd::double, 0.9),
    count(*) filter (where outcome),
from check_segment_tasks($range_start, $range_end)
group by dimension, segment
