-- ingest_lines_parquet.sql: the rows of one Parquet file, in file order, each as a JSON object
-- text `raw` so that Parquet rows go through the same validation as JSON Lines.
-- Parameters: $path. Timestamp columns must carry a time zone (TIMESTAMP WITH TIME ZONE) or be
-- RFC 3339 strings.
select to_json(parquet_row)::varchar as raw, null::json as extra, null as fields, null as free
from read_parquet($path) as parquet_row
