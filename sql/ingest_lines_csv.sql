-- ingest_lines_csv.sql: the data rows of one CSV file (header on line 1), in file order, each as a
-- JSON object text `raw` so that CSV rows go through the same validation as JSON Lines.
-- Parameters: $path, $skip (unused: rows already consumed are removed after the scan), $max_line_bytes.
select to_json(csv_row)::varchar as raw, null::json as extra, null as fields, null as free
from read_csv(
    $path,
    header = true,
    all_varchar = true,
    max_line_size = $max_line_bytes,
    store_rejects = true,
    rejects_table = 'ingest_scan_errors',
    rejects_scan = 'ingest_scans'
) as csv_row
where $skip >= 0
