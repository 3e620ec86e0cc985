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
    -- given, not left to DuckDB: with a 16 MiB max_line_size its default buffer cuts the scan into
    -- uneven pieces that the insert leaves partly unwritten, for the next checkpoint to write and
    -- merge (2 s a million lines); parallel is then asked for, as DuckDB reads a given
    -- buffer_size on one thread otherwise
    buffer_size = greatest(33554432, 2 * $max_line_bytes),
    parallel = true,
    store_rejects = true,
    rejects_table = 'ingest_scan_errors',
    rejects_scan = 'ingest_scans'
)
