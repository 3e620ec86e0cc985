-- metrics_replace.sql: replaces the recomputed windows of `metrics` with temp table metrics_staging
-- and metric_cells with temp table cells for the recomputed hours, forgets the check baselines those
-- hours fall in, and records the last batch they include. Run inside one transaction. Parameters: $through_batch_id.
delete from metrics
where exists (
    select 1 from metric_windows
    where metric_windows.grain = metrics.grain and metric_windows.window_start = metrics.window_start
);

insert into metrics by name
select * from metrics_staging
order by grain, window_start, dimension, segment, metric;

delete from metric_cells
where hour_start in (select window_start from metric_windows where grain = 'hour');

insert into metric_cells by name
select cells.*
from cells
semi join metric_windows on metric_windows.grain = 'hour' and metric_windows.window_start = cells.hour_start;

delete from check_baselines
where exists (
    select 1 from metric_windows
    where metric_windows.grain = 'hour'
        and metric_windows.window_start >= check_baselines.range_start
        and metric_windows.window_start < check_baselines.range_end
);

insert or replace into pipeline_state (name, value)
values ('metrics_through_batch_id', $through_batch_id);
