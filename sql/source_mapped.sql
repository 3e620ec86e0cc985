-- source_mapped.sql: the source_lines of a mapped source whose records have one text column per
-- source column, in source order: the relation spliced in below is temp table source_records
-- (filled from a CSV file or spans) or a table page's CSV file as sql/source_table_page.sql reads
-- it. Each record is read through the mapping: `fields`, the contract fields as text; `free`, the
-- free text when it is kept; `extra`, the attributes the mapping keeps (a JSON object, or NULL).
-- llm_vitals/sources.py splices in the relation and the mapping's expressions (built by
-- llm_vitals/mapping.py from the mapping file; its values are the parameters $map_1, $map_2, ...);
-- sql/ingest_parse.sql reads these lines in the same statement that stores them.
select
    null::varchar as raw,
    /* extra */ as extra,
    /* fields */ as fields,
    /* free */ as free,
from /* records */
