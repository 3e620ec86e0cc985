-- alerts_next_id.sql: the id the next alert gets.
select coalesce(max(alert_id), 0) + 1 from alerts
