-- metrics_staged.sql: how many windows this run recomputes, and the metric rows it staged.
select (select count(*) from metric_windows), (select count(*) from metrics_staging)
