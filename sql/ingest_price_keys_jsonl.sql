-- ingest_price_keys_jsonl.sql: the distinct (provider, model, 30-minute UTC bucket) of one JSON
-- Lines file's calls that log no cost_usd: what genai-prices is asked for before the file's lines
-- are inserted (pricing inside the insert keeps the batch out of the write-ahead log). A projection
-- read by DuckDB's native JSON reader; unreadable lines are skipped here and judged by the insert.
-- Parameters: $path, $compression (gzip or none), $max_line_bytes.
select distinct
    provider,
    model,
    time_bucket(interval 30 minutes, try_cast("timestamp" as timestamptz)) as bucket_start,
from read_json(
    $path,
    compression = $compression,  -- by the file's bytes, not its name
    format = 'newline_delimited',
    columns = {'provider': 'VARCHAR', 'model': 'VARCHAR', 'timestamp': 'VARCHAR', 'cost_usd': 'VARCHAR'},
    maximum_object_size = $max_line_bytes,
    ignore_errors = true
)
where cost_usd is null and model is not null and bucket_start is not null
