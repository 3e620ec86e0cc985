-- source_mapped_lines.sql: as sql/source_mapped.sql, for a JSON Lines file in any shape, whose lines
-- are in column `record` of temp table source_records (sql/source_jsonl_records.sql: one row per
-- physical line, in file order). A line that is blank or not a JSON object passes through unchanged
-- as `raw`, so the ingest skips it (blank) or rejects it with its line number like any other.
select
    case when is_unreadable then record end as raw,
    case when not is_unreadable then /* extra */ end as extra,
    case when not is_unreadable then /* fields */ end as fields,
    case when not is_unreadable then /* free */ end as free,
from source_records
