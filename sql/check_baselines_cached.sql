-- check_baselines_cached.sql: which of the baseline ranges given are in table check_baselines
-- already. Parameters: $ranges (a list of {range_start, range_end}).
select distinct range_start, range_end
from check_baselines
semi join (
    select unnest($ranges::struct(range_start timestamptz, range_end timestamptz)[], recursive := true)
) as wanted using (range_start, range_end)
