-- source_mapped.sql: turns the records of temp table source_records (table rows or spans, one text
-- column per source column, in source order) into contract JSON in temp table mapped_lines, through
-- the mapping's projection spliced in below (built by llm_vitals/mapping.py from the mapping file;
-- its values are positional parameters $1, $2, ...), and the attributes the mapping keeps as
-- `extra` (a JSON object, or NULL).
create or replace temp table mapped_lines as
select
    rowid + 1 as line_no,
    /* projection */ as raw,
    /* extra */ as extra
from source_records
