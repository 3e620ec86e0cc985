-- ingest_file_first_row.sql: the first rowid one source file's lines took in this batch (line
-- numbers count from it) and its blank lines. Parameters: $batch_id, $source_name.
select
    coalesce(min(rowid), 0) as first_rowid,
    count(*) filter (where _reject_reason = 'blank') as blank
from requests
where batch_id = $batch_id and source_file = $source_name
