-- ingest_price_keys_mapped.sql: as ingest_price_keys_jsonl.sql, for a mapped source: its records
-- (the relation spliced in below, as sql/source_mapped.sql reads them; for JSON Lines, only its
-- readable lines) through the four mapping expressions pricing needs. The filter on the cost comes first, so the
-- other three are computed only for calls without one. llm_vitals/sources.py splices in the
-- relation and the expressions; parameters: the mapping's ($map_1, ...) and the relation's.
with keyed as (
    select
        /* provider */ as provider,
        /* model */ as model,
        /* timestamp */ as call_timestamp,
        /* cost_usd */ as cost_usd,
    from /* records */
)

select distinct
    provider,
    model,
    time_bucket(interval 30 minutes, try_cast(call_timestamp as timestamptz)) as bucket_start,
from keyed
where cost_usd is null and model is not null and bucket_start is not null
