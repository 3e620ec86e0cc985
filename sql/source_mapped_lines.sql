-- source_mapped_lines.sql: as source_mapped.sql, for a JSON Lines file in any shape, whose lines
-- are in column `record` of temp table source_records (one row per physical line). A line that is
-- blank or not a JSON object passes through unchanged, so the ingest skips it (blank) or rejects it
-- with its line number like any other.
create or replace temp table mapped_lines as
select
    rowid + 1 as line_no,
    case
        when record is null or not starts_with(ltrim(record), '{') or not json_valid(record) then record
        else /* projection */
    end as raw,
    case
        when record is null or not starts_with(ltrim(record), '{') or not json_valid(record) then null
        else /* extra */
    end as extra
from source_records
