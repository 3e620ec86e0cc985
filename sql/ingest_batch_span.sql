-- ingest_batch_span.sql: the time span where an earlier copy of this batch's calls can be stored:
-- from a day before its first call to a day after its last (a copy of a call is the same
-- request_id within a day of it). ingest_dedupe.sql and ingest_skip_stored.sql probe stored calls
-- only there, so their cost follows the batch, not the history (zone maps skip the rest).
-- Parameters: $batch_id.
select
    min(started_at) - interval 1 day as since,
    max(started_at) + interval 1 day as until
from requests
where batch_id = $batch_id and _reject_reason is null
