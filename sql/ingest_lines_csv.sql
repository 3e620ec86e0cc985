-- ingest_lines_csv.sql: the data rows of one CSV file (header on line 1), in file order, each as a
-- JSON object text `raw` so that CSV rows go through the same validation as JSON Lines.
-- The dialect is RFC 4180's (comma, double quotes, a doubled quote inside quotes), given rather
-- than sniffed: one odd row must not change how every other row is read.
-- Parameters: $path (the file, or a copy of the part this run reads, header first), $compression
-- (gzip or none: by the file's bytes, not its name), $columns (the
-- header's names, each VARCHAR), $max_line_bytes.
select to_json(csv_row)::varchar as raw, null::json as extra, null as fields, null as free
from read_csv(
    $path,
    compression = $compression,  -- by the file's bytes, not its name
    header = true,
    auto_detect = false,
    columns = $columns,
    delim = ',',
    quote = '"',
    escape = '"',
    max_line_size = $max_line_bytes,
    store_rejects = true,
    rejects_table = 'ingest_scan_errors',
    rejects_scan = 'ingest_scans'
) as csv_row
