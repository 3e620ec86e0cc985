-- ingest_record_batch.sql: records what one ingest batch did, inside its transaction.
-- Parameters: $batch_id, $started_at, $files_read, $accepted, $rejected, $duplicates,
-- $priced_by_genai, $unpriced, $seconds, $blank, $waiting.
insert into ingest_batches (
    batch_id, started_at, finished_at, files_read, accepted, rejected, duplicates, priced_by_genai, unpriced, seconds,
    blank, waiting
)
values (
    $batch_id, $started_at, now(), $files_read, $accepted, $rejected, $duplicates, $priced_by_genai, $unpriced, $seconds,
    $blank, $waiting
)
