-- digest_week_metrics.sql: every metric of the digest's week and the week before, long form.
-- Parameters: $this_week, $last_week (Monday 00:00 UTC).
select window_start = $this_week as is_this_week, dimension, segment, metric, value, sample_size
from metrics
where grain = 'week' and window_start in ($this_week, $last_week)
