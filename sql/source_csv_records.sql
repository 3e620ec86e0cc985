-- source_csv_records.sql: a CSV file in any shape into temp table source_records, one text column
-- per header name, rows in file order; rows the scanner cannot read go to ingest_scan_errors with
-- their line numbers, as for contract CSV. Parameters: $path, $max_line_bytes.
create or replace temp table source_records as
select *
from read_csv(
    $path,
    header = true,
    all_varchar = true,
    max_line_size = $max_line_bytes,
    store_rejects = true,
    rejects_table = 'ingest_scan_errors',
    rejects_scan = 'ingest_scans'
)
