-- alerts_last_resolved.sql: for each alert key (check, metric, dimension and segment, joined by
-- chr(31)), when its last alert resolved. No parameters.
select concat_ws(chr(31), check_name, metric, dimension, segment) as alert_key, max(resolved_at) as resolved_at
from alerts
where status = 'resolved'
group by all
