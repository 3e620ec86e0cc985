-- metrics_window_calls.sql: the calls in the hours this run recomputes (to size task partitions).
select count(*) from requests
where started_at >= (select min(window_start) from metric_windows where grain = 'hour')
    and date_trunc('hour', started_at) in (select window_start from metric_windows where grain = 'hour')
