-- ingest_dedupe.sql: removes later copies of a request_id from this batch. The first accepted copy
-- wins: one stored by an earlier batch, else the first in this batch (files in path order, lines in
-- file order, which is rowid order). Leaves the removed rowids in temp table batch_duplicates.
-- An earlier copy is looked up among the calls stored in [$since, $until] only (ingest_batch_span.sql:
-- a day either side of the batch's calls), so the probe reads the batch's days, not the history.
-- Parameters: $batch_id, $stored_left_out (true: ingest_skip_stored already left out every call
-- stored by an earlier batch, so none is looked up again), $since, $until.

create or replace temp table batch_duplicates as
with batch as (
    select request_id, rowid as row_ref
    from requests
    where batch_id = $batch_id and _reject_reason is null  -- rejected and blank lines are no copies
),

repeated as (
    select request_id
    from batch
    group by request_id
    having count(*) > 1
),

later_copies as (
    select row_ref
    from (
        select row_ref, row_number() over (partition by request_id order by row_ref) as copy_no
        from batch semi join repeated using (request_id)
    )
    where copy_no > 1
),

already_stored as (
    select batch.row_ref
    from batch
    where not $stored_left_out and exists (
        select 1 from requests as stored
        where stored.request_id = batch.request_id and stored.batch_id < $batch_id
            and stored.started_at between $since and $until
    )
)

select row_ref from later_copies
union
select row_ref from already_stored;

delete from requests
where batch_id = $batch_id and rowid in (select row_ref from batch_duplicates);
