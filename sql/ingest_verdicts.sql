-- ingest_verdicts.sql: after ingest_parse.sql appended one file's lines, copies its rejected lines
-- (and the lines DuckDB's scanner could not read) to rejected_records with their line numbers.
-- The rejected and blank lines stay in `requests`, marked by _reject_reason, until the batch has
-- committed (sql/ingest_drop_rejected.sql): the batch's later statements leave them out.
-- ingest_parse.sql keeps file order (no join, no reordering clause), so a row's line number is
-- its offset from the file's first rowid, plus the lines before the first row read, plus the
-- scanner's rejected lines and skipped empty lines above it (temp table ingest_skipped_lines).
-- A line the scanner rejects several times (a CSV row with three columns too many) is one
-- rejected record.
-- Parameters: $source_name (the source_file of the lines), $batch_id, $first_rowid, $line_offset
-- (the file's lines before the first data row read: earlier runs' lines, a CSV header),
-- $error_shift (what turns a line number the scanner reports into the file's), $layout (jsonl or
-- csv), $max_line_bytes.

insert into rejected_records (batch_id, source_file, line_no, raw, reason, rejected_at)
with scan_errors as (
    select
        line + $error_shift as line_no,
        min(csv_line) as csv_line,
        min(error_message) as error_message,
        bool_or(error_type = 'INVALID ENCODING') as bad_encoding,
        bool_or(error_type = 'LINE SIZE OVER MAXIMUM') as too_long,
        bool_or(error_type = 'UNQUOTED VALUE') as bad_quote,
        max(try_cast(regexp_extract(error_message, 'Expected Number of Columns: (\d+)', 1) as bigint)) as expected,
        max(try_cast(regexp_extract(error_message, 'Found: (\d+)', 1) as bigint))
            filter (where error_type = 'TOO MANY COLUMNS') as found_too_many,
        min(try_cast(regexp_extract(error_message, 'Found: (\d+)', 1) as bigint))
            filter (where error_type = 'MISSING COLUMNS') as found_too_few,
    from ingest_scan_errors
    group by line
)

select
    $batch_id,
    $source_name,
    line_no,
    left(csv_line, 2048),
    case
        when bad_encoding then 'line is not valid UTF-8'
        when too_long then 'line is longer than ' || $max_line_bytes || ' bytes (raise LLM_VITALS_MAX_LINE_BYTES to accept it)'
        -- a JSON line is read as one text column: any other complaint means it is not one JSON object
        when $layout = 'jsonl' then 'line is not a JSON object'
        when bad_quote then 'row has a quote that does not close before the end of its field'
        when found_too_many is not null
            then 'row has ' || found_too_many || ' columns where the header has ' || expected
        when found_too_few is not null
            then 'row has ' || found_too_few || ' columns where the header has ' || expected
        else 'line could not be read: ' || coalesce(error_message, 'no reason given')
    end,
    now()
from scan_errors;

insert into rejected_records (batch_id, source_file, line_no, raw, reason, rejected_at)
with scan_error_lines as (
    -- the lines that are not rows: the scanner's rejects, and the empty CSV lines it skipped
    select line_no, row_number() over (order by line_no) as rank_no
    from (
        select line + $error_shift as line_no from ingest_scan_errors
        union
        select line + $error_shift as line_no from ingest_skipped_lines
    )
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
        where scan_error_lines.line_no - $line_offset - scan_error_lines.rank_no < rejected.row_no
    ),
    rejected._raw_line,
    rejected._reject_reason,
    now()
from rejected;
