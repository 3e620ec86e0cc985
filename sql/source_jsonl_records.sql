-- source_jsonl_records.sql: the lines of a JSON Lines file in any shape (the source_lines query of
-- sql/ingest_lines_jsonl.sql spliced in below) into temp table source_records, one row per physical
-- line in file order, each marked unreadable when it is blank or not a JSON object, which the
-- mapping must not read. Parameters: $path, $max_line_bytes.
create or replace temp table source_records as
select
    raw as record,
    raw is null or not starts_with(ltrim(raw), '{') or not json_valid(raw) as is_unreadable,
from (
    /* source_lines */
)
