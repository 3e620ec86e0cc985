-- ingest_next_batch_id.sql: the id of the next batch, after every batch recorded or stored.
-- No parameters.
select
    greatest(
        (select coalesce(max(batch_id), 0) from ingest_batches),
        (select coalesce(max(batch_id), 0) from requests)
    ) + 1 as batch_id
