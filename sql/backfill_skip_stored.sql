-- backfill_skip_stored.sql: a backfill re-reads whole files; of their calls outside the range, it
-- keeps only those not stored yet (a file never read before), so the rest count as neither new nor
-- duplicate. Rejected lines (no started_at) stay. Parameters: $batch_id, $range_start, $range_end.
delete from requests as fresh
where fresh.batch_id = $batch_id
    and (fresh.started_at < $range_start or fresh.started_at >= $range_end)
    and exists (
        select 1 from requests as stored
        where stored.request_id = fresh.request_id and stored.batch_id < $batch_id
    );
