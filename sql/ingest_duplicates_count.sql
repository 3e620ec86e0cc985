-- ingest_duplicates_count.sql: how many later copies ingest_dedupe.sql left out of this batch.
-- No parameters.
select count(*) as duplicates
from batch_duplicates
