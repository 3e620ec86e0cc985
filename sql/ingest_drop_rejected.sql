-- ingest_drop_rejected.sql: removes from `requests` the lines a batch kept there only to number
-- them (rejected lines and blank lines: _reject_reason is not NULL), once the batch has committed.
-- ingest_verdicts.sql already copied the rejected ones to rejected_records, in the batch's own
-- transaction. Deleting them inside that transaction made DuckDB rewrite every row group the batch
-- had written at commit (2.3-3.1 s of an 11-12 s ingest of 1 million lines with 1 % rejects);
-- deleting committed rows only marks them (a few milliseconds). Also run whenever the database
-- opens for writing, for a process that died between the batch's commit and this statement.
-- No parameters.
delete from requests
where _reject_reason is not null
