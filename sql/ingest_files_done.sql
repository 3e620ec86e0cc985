-- ingest_files_done.sql: how far each file was read by earlier runs, and what it looked like then.
-- No parameters.
select
    path,
    size_bytes,
    modified_at,
    head_sha256,
    lines_read,
    bytes_read
from ingested_files
