-- ingest_scan_errors_empty.sql: an empty temp table ingest_scan_errors where the reader kept none
-- (read_parquet keeps no reject table), so the verdict statements find one. No parameters.
create temp table if not exists ingest_scan_errors (
    line bigint,
    csv_line varchar,
    error_type varchar,
    error_message varchar
)
