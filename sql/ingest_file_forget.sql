-- ingest_file_forget.sql: removes what one source file appended to this batch (it changed while
-- DuckDB read it; it is read again from a copy of the bytes found). Parameters: $batch_id, $source_name.
delete from requests
where batch_id = $batch_id and source_file = $source_name
