-- ingest_scan_error_lines.sql: how many lines the scanner rejected (a line rejected several times
-- counts once). No parameters.
select count(distinct line) as error_lines
from ingest_scan_errors
