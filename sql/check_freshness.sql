-- check_freshness.sql: the start of the newest call before $as_of, and the rejected and accepted
-- records of the batches ingested in the day before $as_of. Parameters: $as_of.
select
    (select max(started_at) from requests where started_at <= $as_of) as newest_call_at,
    (select count(*) from rejected_records
        where rejected_at > $as_of - interval 1 day and rejected_at <= $as_of) as rejected_last_day,
    (select coalesce(sum(accepted), 0) from ingest_batches
        where finished_at > $as_of - interval 1 day and finished_at <= $as_of) as accepted_last_day
