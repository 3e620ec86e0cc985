-- check_record_run.sql: records one check run. Parameters: $run_id, $as_of, $look_back (as_of is
-- before an earlier run's: its results are kept, its alerts left as they are).
insert into check_runs (run_id, as_of, ran_at, look_back)
values ($run_id, $as_of, now(), $look_back)
