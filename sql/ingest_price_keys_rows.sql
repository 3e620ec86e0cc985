-- ingest_price_keys_rows.sql: as ingest_price_keys_jsonl.sql, for CSV and Parquet files, whose rows
-- the source_lines query spliced in below turns into JSON object texts.
-- Parameters: $path, $columns (CSV), $max_line_bytes.
with source_lines as (
    /* source_lines */
)

select distinct
    raw ->> '$.provider' as provider,
    raw ->> '$.model' as model,
    time_bucket(interval 30 minutes, try_cast(raw ->> '$.timestamp' as timestamptz)) as bucket_start,
from (select raw from source_lines where starts_with(ltrim(raw), '{') and json_valid(raw))
where (raw ->> '$.cost_usd') is null and (raw ->> '$.model') is not null and bucket_start is not null
