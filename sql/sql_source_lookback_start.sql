-- sql_source_lookback_start.sql: where a table source's next read starts: its stored watermark
-- less the lookback, as text the source database compares (NULL watermark text when the stored
-- value is not a timestamp; no row when the source has none yet).
-- Parameters: $source_name, $lookback (an interval).
select
    watermark,
    strftime(try_cast(watermark as timestamp) - $lookback, '%Y-%m-%d %H:%M:%S.%f') as start_text
from source_watermarks
where source = $source_name
