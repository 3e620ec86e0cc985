-- ingest_skip_stored.sql: leaves out of this batch the calls already stored by an earlier one,
-- without counting them as duplicates: a backfill re-reads whole files (its calls in
-- [$keep_start, $keep_end) were removed first, so they stay), and a table source re-reads a short
-- overlap before its watermark on purpose. Rejected lines (no started_at) stay.
-- Stored calls are looked up in [$since, $until] only (ingest_batch_span.sql).
-- Parameters: $batch_id, $keep_start, $keep_end (NULL: keep no range), $since, $until.
delete from requests as fresh
where fresh.batch_id = $batch_id
    and fresh._reject_reason is null  -- a rejected line leaves after the commit (sql/ingest_drop_rejected.sql)
    and ($keep_start is null or fresh.started_at < $keep_start or fresh.started_at >= $keep_end)
    and exists (
        select 1 from requests as stored
        where stored.request_id = fresh.request_id and stored.batch_id < $batch_id
            and stored.started_at between $since and $until
    );
