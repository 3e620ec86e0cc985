-- ingest_unpriced_keys.sql: the distinct (provider, model, 30-minute UTC bucket) of this batch's
-- calls that carry no cost_usd but have token counts: what genai-prices is asked to price.
-- Parameters: $batch_id.
select distinct
    provider,
    model,
    time_bucket(interval 30 minutes, started_at) as bucket_start,
from requests
where batch_id = $batch_id and cost_usd is null and input_tokens is not null and output_tokens is not null
