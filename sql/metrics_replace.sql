-- metrics_replace.sql: replaces the recomputed windows of `metrics` with temp table metrics_staging,
-- metric_cells and metric_task_cells with temp tables cells and task_cells for the recomputed
-- hours, and metric_week_tails with the quantiles of the weeks of temp table tail_weeks; forgets the
-- check baselines those hours fall in, and records the last batch they include. Run inside one
-- transaction. Parameters: $through_batch_id, $layout (what the kept tables hold: metrics.LAYOUT).
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

delete from metric_task_cells
where hour_start in (select window_start from metric_windows where grain = 'hour');

insert into metric_task_cells by name
select * from task_cells;

delete from metric_week_tails
where week_start in (select week_start from tail_weeks);

insert into metric_week_tails by name
select
    * exclude (grain, window_start),
    window_start as week_start,
    -- through the end of the week's latest hour with calls (all of the week's calls so far)
    (
        select max(metric_cells.hour_start) + interval 1 hour
        from metric_cells
        where metric_cells.hour_start >= metric_tails.window_start
            and metric_cells.hour_start < metric_tails.window_start + interval 7 days
    ) as computed_through,
from metric_tails
where grain = 'week' and window_start in (select week_start from tail_weeks);

delete from check_baselines
where exists (
    select 1 from metric_windows
    where metric_windows.grain = 'hour'
        and metric_windows.window_start >= check_baselines.range_start
        and metric_windows.window_start < check_baselines.range_end
);

insert or replace into pipeline_state (name, value)
values ('metrics_through_batch_id', $through_batch_id), ('metrics_layout', $layout);
