-- demo_alerts.sql: every alert of the demo database, oldest first, as the demo lists them.
-- No parameters.
select
    metric,
    dimension,
    segment,
    opened_at,
    resolved_at,
    also_seen_in
from alerts
order by opened_at
