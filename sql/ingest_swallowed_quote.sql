-- ingest_swallowed_quote.sql: the first line where a CSV quote never closes, so that DuckDB read
-- the rest of the file as one value (the rejected value spans lines); NULL when there is none.
-- No parameters.
select min(line) as line
from ingest_scan_errors
where
    error_type = 'UNQUOTED VALUE'
    and regexp_matches(rtrim(csv_line, chr(10) || chr(13)), '[\n\r]')
