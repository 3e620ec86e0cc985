-- source_jsonl_keys.sql: the distinct top-level keys of the readable lines of temp table
-- source_records (sql/source_jsonl_records.sql); NULL when no line is readable.
select list(distinct key) as keys
from (
    select unnest(json_keys(record::json)) as key
    from source_records
    where not is_unreadable
)
