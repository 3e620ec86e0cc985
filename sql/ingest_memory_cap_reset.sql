-- ingest_memory_cap_reset.sql: DuckDB's own memory limit again (80 % of RAM), after an ingest batch
-- ran under sql/ingest_memory_cap.sql (only when no memory limit is configured). No parameters.
reset memory_limit
