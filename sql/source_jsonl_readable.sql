-- source_jsonl_readable.sql: the readable lines of a JSON Lines file in any shape, as temp table
-- source_records holds them (sql/source_jsonl_records.sql): the relation that
-- sql/ingest_price_keys_mapped.sql reads through the mapping, which must not read the others.
(select record from source_records where not is_unreadable)
