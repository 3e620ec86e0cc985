-- metrics_through.sql: the latest batch of stored calls (0 before the first).
select coalesce(max(batch_id), 0) from requests
