-- source_csv_records.sql: a CSV file in any shape into temp table source_records, one text column
-- per header name, rows in file order, read in RFC 4180's dialect like contract CSV
-- (sql/ingest_lines_csv.sql); rows the scanner cannot read go to ingest_scan_errors with their
-- line numbers. Parameters: $path, $compression (gzip or none), $columns (the header's names, each VARCHAR), $max_line_bytes.
create or replace temp table source_records as
select *
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
)
