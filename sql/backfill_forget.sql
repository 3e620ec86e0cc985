-- backfill_forget.sql: inside a backfill's ingest transaction, forgets what the re-read files brought
-- in the range: their calls in [$range_start, $range_end), their rejected lines and their read
-- progress, so each file is read again from its first line. Parameters: $paths, $range_start, $range_end.
delete from requests
where source_file in (select unnest($paths::varchar[]))
    and started_at >= $range_start
    and started_at < $range_end;

delete from rejected_records
where source_file in (select unnest($paths::varchar[]));

delete from ingested_files
where path in (select unnest($paths::varchar[]));
