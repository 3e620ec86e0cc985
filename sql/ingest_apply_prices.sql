-- ingest_apply_prices.sql: prices this batch's calls that have tokens but no cost_usd, from the
-- per-token rates in the registered relation price_rates (one row per provider, model, 30-minute
-- bucket and input-token tier, built from genai-prices). Exact DECIMAL arithmetic, rounded to 1e-12.
-- Parameters: $batch_id.
update requests
set
    cost_usd = cast(
        rates.base_usd
        + rates.input_usd_per_token * requests.input_tokens
        + rates.cached_delta_usd_per_token * coalesce(requests.cached_input_tokens, 0)
        + rates.output_usd_per_token * requests.output_tokens
        as decimal(18, 12)),
    cost_source = 'genai-prices'
from price_rates as rates
where requests.batch_id = $batch_id
    and requests.cost_usd is null
    and requests.input_tokens is not null
    and requests.output_tokens is not null
    and rates.provider is not distinct from requests.provider
    and rates.model = requests.model
    and rates.bucket_start = time_bucket(interval 30 minutes, requests.started_at)
    and requests.input_tokens > rates.input_tokens_above
    and requests.input_tokens <= rates.input_tokens_up_to
