-- ingest_lines_parquet.sql: the rows of one Parquet file after the first $skip, in file order,
-- each as a JSON object text `raw` so that Parquet rows go through the same validation as JSON Lines.
-- Parameters: $path, $skip, $max_line_bytes (unused). Timestamp columns must carry a time zone
-- (TIMESTAMP WITH TIME ZONE) or be RFC 3339 strings.
select to_json(parquet_row)::varchar as raw, null::json as extra, null as fields, null as free
from (
    select * exclude (file_row_number)
    from read_parquet($path, file_row_number = true)
    where file_row_number >= $skip and $max_line_bytes > 0
) as parquet_row
