-- alerts_extend.sql: adds to an open alert's also_seen_in the segments (and metrics) a later run
-- found it lifting; nothing is posted. Parameters: $alert_id, $also_seen_in.
update alerts
set also_seen_in = list_distinct(list_concat(coalesce(also_seen_in, []), $also_seen_in::varchar[]))
where alert_id = $alert_id
