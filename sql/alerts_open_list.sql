-- alerts_open_list.sql: every open alert, with when it opened and was last posted.
select alert_id, check_name, metric, dimension, segment, severity, opened_at, last_posted_at
from alerts
where status = 'open'
