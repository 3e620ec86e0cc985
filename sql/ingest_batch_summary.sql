-- ingest_batch_summary.sql: this batch's accepted calls, priced by genai-prices, still unpriced, and
-- rejected lines by reason (a rejected or blank line is still in `requests` until the batch commits:
-- sql/ingest_drop_rejected.sql). Parameters: $batch_id.
with accepted as (
    select
        count(*) as accepted,
        count(*) filter (where cost_source = 'genai-prices') as priced_by_genai,
        count(*) filter (where cost_usd is null) as unpriced
    from requests
    where batch_id = $batch_id and _reject_reason is null
)

select
    accepted.accepted,
    accepted.priced_by_genai,
    accepted.unpriced,
    (
        select coalesce(list({'reason': reason, 'count': n} order by n desc, reason), [])
        from (
            select regexp_replace(reason, '"[^"]*"', '"…"') as reason, count(*) as n
            from rejected_records
            where batch_id = $batch_id
            group by all
        )
    ) as rejected_by_reason
from accepted
