-- metrics_window_calls.sql: the calls in the windows this run recomputes (to size task partitions).
select count(*) from requests
where started_at >= (select min(window_start) from metric_windows)
