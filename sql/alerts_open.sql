-- alerts_open.sql: opens one alert. Parameters: $alert_id, $check_name, $metric, $dimension,
-- $segment, $severity, $as_of (the run that opens it), $grain (its window), $window_start,
-- $observed, $threshold, $baseline, $sample_size, $also_seen_in.
insert into alerts (
    alert_id, check_name, metric, dimension, segment, severity, status, opened_at, resolved_at, grain,
    window_start, observed, threshold, baseline, sample_size, also_seen_in, last_posted_at
)
values (
    $alert_id, $check_name, $metric, $dimension, $segment, $severity, 'open', $as_of, null, $grain,
    $window_start, $observed, $threshold, $baseline, $sample_size, $also_seen_in::varchar[], $as_of
)
