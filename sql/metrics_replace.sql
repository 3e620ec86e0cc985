-- metrics_replace.sql: replaces the recomputed windows of `metrics` with temp table metrics_staging
-- and records the last batch they include. Run inside one transaction. Parameters: $through_batch_id.
delete from metrics
where exists (
    select 1 from metric_windows
    where metric_windows.grain = metrics.grain and metric_windows.window_start = metrics.window_start
);

insert into metrics
select * from metrics_staging
order by grain, window_start, dimension, segment, metric;

insert or replace into pipeline_state (name, value)
values ('metrics_through_batch_id', $through_batch_id);
