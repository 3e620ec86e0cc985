-- alerts_reminded.sql: an open alert was posted again. Parameters: $alert_id, $as_of.
update alerts set last_posted_at = $as_of where alert_id = $alert_id
