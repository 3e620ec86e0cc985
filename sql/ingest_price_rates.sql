-- ingest_price_rates.sql: temp table price_rates, genai-prices' linear per-token rates for the
-- (provider, model, 30-minute bucket) keys of one file's calls that log no cost, one row per key and
-- input-token tier (built by llm_vitals/pricing.py; few rows, never one per call), which
-- ingest_parse.sql joins to price those calls. Parameters: $rates (a list of those rows).
create or replace temp table price_rates as
select unnest($rates::struct(
    provider varchar,
    model varchar,
    bucket_start timestamptz,
    input_tokens_above bigint,
    input_tokens_up_to bigint,
    base_usd decimal(38, 18),
    input_usd_per_token decimal(38, 18),
    cached_delta_usd_per_token decimal(38, 18),
    output_usd_per_token decimal(38, 18)
)[], recursive := true)
