-- ingest_lines_jsonl.sql: the lines of one JSON Lines file (plain or gzip), in file order, as `raw`.
-- Parameters: $path (the file, or the copy of the part this run reads), $compression (gzip or
-- none: by the file's bytes, not its name), $max_line_bytes.
-- Lines that are not UTF-8 or are too long go to the connection's ingest_scan_errors table instead,
-- with their line number; blank lines come through as NULL so row order stays line order.
select raw, null::json as extra, null as fields, null as free
from read_csv(
    $path,
    compression = $compression,  -- by the file's bytes, not its name
    columns = {'raw': 'VARCHAR'},
    header = false,
    delim = chr(31),       -- a control character: never unescaped inside valid JSON
    quote = '',
    escape = '',
    auto_detect = false,
    max_line_size = $max_line_bytes,
    store_rejects = true,
    rejects_table = 'ingest_scan_errors',
    rejects_scan = 'ingest_scans'
)
