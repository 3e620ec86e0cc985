-- source_watermark_save.sql: records how far a table source has been read, inside the transaction
-- of the page it read: the later of the stored and the page's last (watermark, key), so a run that
-- starts a lookback before the mark never moves it back. Parameters: $source, $watermark, $tie_key.
insert into source_watermarks (source, watermark, tie_key, updated_at)
values ($source, $watermark, $tie_key, now())
on conflict (source) do update set
    watermark = case when try_cast(excluded.watermark as timestamptz) > try_cast(source_watermarks.watermark as timestamptz)
        or (excluded.watermark = source_watermarks.watermark and excluded.tie_key > source_watermarks.tie_key)
        then excluded.watermark else source_watermarks.watermark end,
    tie_key = case when try_cast(excluded.watermark as timestamptz) > try_cast(source_watermarks.watermark as timestamptz)
        or (excluded.watermark = source_watermarks.watermark and excluded.tie_key > source_watermarks.tie_key)
        then excluded.tie_key else source_watermarks.tie_key end,
    updated_at = now()
