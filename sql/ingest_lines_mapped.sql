-- ingest_lines_mapped.sql: the records of a mapped source (a table, OpenTelemetry spans, or a log
-- shape read through a mapping), already turned into contract JSON in temp table mapped_lines by
-- sql/source_mapped.sql; its scan order is its insertion order, the source order, which DuckDB keeps
-- (sorting by line_no instead would sort every line). Parameters: $skip, $max_line_bytes (unused).
select raw, extra
from mapped_lines
where $skip >= 0 and $max_line_bytes > 0

