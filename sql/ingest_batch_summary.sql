-- ingest_batch_summary.sql: this batch's accepted calls, priced by genai-prices, still unpriced, and
-- rejected lines by reason (a rejected or blank line is still in `requests` until the batch commits:
-- sql/ingest_drop_rejected.sql). Parameters: $batch_id.
select
    (select count(*) from requests where batch_id = $batch_id and _reject_reason is null) as accepted,
    (select count(*) from requests where batch_id = $batch_id and _reject_reason is null and cost_source = 'genai-prices') as priced_by_genai,
    (select count(*) from requests where batch_id = $batch_id and _reject_reason is null and cost_usd is null) as unpriced,
    (
        select coalesce(list({'reason': reason, 'count': n} order by n desc, reason), [])
        from (
            select regexp_replace(reason, '"[^"]*"', '"…"') as reason, count(*) as n
            from rejected_records
            where batch_id = $batch_id
            group by all
        )
    ) as rejected_by_reason
