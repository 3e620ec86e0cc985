-- ingest_memory_cap.sql: DuckDB's memory limit while an ingest batch runs (llm_vitals/ingest/batch.py;
-- Settings.ingest_memory_mb). It is the database's limit, for every connection to it, until
-- sql/ingest_memory_cap_reset.sql. Parameters: $limit (e.g. '1536MiB').
set memory_limit = $limit
