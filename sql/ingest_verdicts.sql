-- ingest_verdicts.sql: after ingest_parse.sql appended one file's lines, moves its rejected lines
-- (and the lines DuckDB's scanner could not read) to rejected_records with their line numbers, and
-- drops blank lines. Row order in `requests` is file order, so a row's line number is its offset
-- from the file's first rowid, plus the lines consumed before, plus the scanner's rejects above it.
-- Parameters: $source_name (the source_file of the lines), $batch_id, $first_rowid, $line_offset (lines before the first row read:
-- $skip for JSON Lines and Parquet, 1 for a CSV header), $max_line_bytes, $skip_scan_lines_through.

insert into rejected_records (batch_id, source_file, line_no, raw, reason, rejected_at)
select
    $batch_id,
    $source_name,
    scan_error.line,
    left(scan_error.csv_line, 2048),
    case scan_error.error_type
        when 'INVALID ENCODING' then 'line is not valid UTF-8'
        when 'LINE SIZE OVER MAXIMUM'
            then 'line is longer than ' || $max_line_bytes || ' bytes (raise LLM_VITALS_MAX_LINE_BYTES to accept it)'
        else 'line could not be read: ' || scan_error.error_message
    end,
    now()
from ingest_scan_errors as scan_error
where scan_error.line > $skip_scan_lines_through;

insert into rejected_records (batch_id, source_file, line_no, raw, reason, rejected_at)
with scan_error_lines as (
    select line, row_number() over (order by line) as rank_no
    from ingest_scan_errors
),

rejected as (
    select
        rowid - $first_rowid + 1 as row_no,
        _raw_line,
        _reject_reason
    from requests
    where batch_id = $batch_id and source_file = $source_name and _reject_reason is not null and _reject_reason <> 'blank'
)

select
    $batch_id,
    $source_name,
    $line_offset + rejected.row_no + (
        select count(*) from scan_error_lines
        where scan_error_lines.line - $line_offset - scan_error_lines.rank_no < rejected.row_no
    ),
    rejected._raw_line,
    rejected._reject_reason,
    now()
from rejected;

delete from requests
where batch_id = $batch_id and source_file = $source_name and _reject_reason is not null;
