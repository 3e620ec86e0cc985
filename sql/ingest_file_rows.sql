-- ingest_file_rows.sql: how many rows one source file has in this batch so far.
-- Parameters: $batch_id, $source_name.
select count(*) as file_rows
from requests
where batch_id = $batch_id and source_file = $source_name
