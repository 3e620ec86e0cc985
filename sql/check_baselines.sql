-- check_baselines.sql: each segment's baseline for one window: the median of the metric over the
-- same grain's windows in the trailing $baseline_days (windows with a value only), and how many
-- windows that median stands on. Parameters: $grain, $window_start, $baseline_days, $metrics.
select
    dimension,
    segment,
    metric,
    median(value) as baseline,
    count(*) as baseline_windows,
from metrics
where grain = $grain
    and window_start >= $window_start - to_days($baseline_days)
    and window_start < $window_start
    and metric in (select unnest($metrics))
    and value is not null
group by all
