-- metrics_staging.sql: the run's empty staging tables, filled by metrics_tails, metrics_cells,
-- metrics_calls, metrics_task_facts and metrics_tasks, and moved into metrics (and the tables of
-- cells and week quantiles) by metrics_replace.
create or replace temp table metrics_staging as select * from metrics limit 0;

create or replace temp table metric_tails (
    grain varchar,
    window_start timestamptz,
    dimension varchar,
    segment varchar,
    latency_ms_q double [],
    ttft_ms_q double [],
    ok_calls bigint,
    ttft_calls bigint
);

create or replace temp table task_facts (
    hour_start timestamptz,
    route varchar,
    tenant varchar,
    outcome boolean,
    cost_usd decimal(38, 12)
);
