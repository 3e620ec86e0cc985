-- check_next_run_id.sql: the id the next check run gets (above every stored run and result).
select greatest(
    (select coalesce(max(run_id), 0) from check_results),
    (select coalesce(max(run_id), 0) from check_runs)
) + 1
