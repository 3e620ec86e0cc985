-- ingest_record_file.sql: remembers how far one source file was read, so that the next run reads
-- only what was appended. Parameters: $path, $kind, $size_bytes, $modified_at, $head_sha256,
-- $lines_read, $bytes_read, $batch_id.
insert or replace into ingested_files
    (path, kind, size_bytes, modified_at, head_sha256, lines_read, bytes_read, last_batch_id)
values ($path, $kind, $size_bytes, $modified_at, $head_sha256, $lines_read, $bytes_read, $batch_id)
