-- alerts_resolve.sql: an open alert recovered. Parameters: $alert_id, $as_of.
update alerts set status = 'resolved', resolved_at = $as_of where alert_id = $alert_id
