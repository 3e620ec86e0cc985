-- check_history_start.sql: the first hour that holds calls (NULL for an empty database). A
-- baseline needs `min_baseline_days` of history before its window's day (thresholds.yaml).
select min(hour_start) as history_start
from metric_cells
