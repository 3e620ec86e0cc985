-- demo_write_day.sql: writes day $day of the demo's generated calls (registered as `calls`) to the
-- JSON Lines file $path, in time order, with timestamps as ISO 8601 UTC text.
-- Parameters: $day, $path.
copy (
    select * exclude (ts_us, day) replace (strftime(timestamp, '%Y-%m-%dT%H:%M:%S.%fZ') as timestamp)
    from calls
    where day = $day
    order by ts_us
) to $path (format json);
