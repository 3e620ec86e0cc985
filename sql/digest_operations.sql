-- digest_operations.sql: the week's alerts (opened, resolved or still open in it) with how long
-- each lasted so far. Parameters: $week_start, $week_end.
select metric, dimension, segment, severity, opened_at, resolved_at,
    coalesce(resolved_at, $week_end) - opened_at as lasted
from alerts
where opened_at < $week_end and (resolved_at is null or resolved_at >= $week_start)
order by opened_at
