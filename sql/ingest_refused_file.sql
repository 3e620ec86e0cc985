-- ingest_refused_file.sql: records a file that one batch could not read at all, and why; it was
-- left out of the batch and is tried again on the next run. Parameters: $batch_id, $path, $reason.
insert into refused_files (batch_id, path, reason, refused_at)
values ($batch_id, $path, $reason, now())
