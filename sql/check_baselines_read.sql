-- check_baselines_read.sql: the cached baselines of the quantile and mean checks for the ranges
-- given. Parameters: $ranges (a list of {range_start, range_end}).
select range_start, range_end, dimension, segment, metric, value, p90, sample_size
from check_baselines
semi join (
    select unnest($ranges::struct(range_start timestamptz, range_end timestamptz)[], recursive := true)
) as wanted using (range_start, range_end)
