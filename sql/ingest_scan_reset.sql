-- ingest_scan_reset.sql: drops the reject tables of the previous file's scan (the reader of the
-- next file creates them afresh). No parameters.
drop table if exists ingest_scan_errors;

drop table if exists ingest_scans;
