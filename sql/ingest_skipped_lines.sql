-- ingest_skipped_lines.sql: temp table ingest_skipped_lines, the empty lines of one CSV file that
-- DuckDB's CSV reader skips without a word, numbered as it numbers lines (llm_vitals/log_files.py
-- finds them); sql/ingest_verdicts.sql counts them like the scanner's rejected lines, so the line
-- numbers after them stay right. Parameters: $lines.
create or replace temp table ingest_skipped_lines as
select unnest($lines::bigint[]) as line
