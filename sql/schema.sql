-- schema.sql: creates every table llm-vitals writes, if missing. Idempotent; no parameters.
-- Times are TIMESTAMPTZ (UTC); connections run with TimeZone = 'UTC'.

create table if not exists requests (
    -- Every line is written before its verdict, so NOT NULL here would reject the rejected lines
    -- too early; the contract's required fields are enforced by sql/ingest_parse.sql instead.
    request_id          varchar,
    started_at          timestamptz,   -- the contract's `timestamp`
    route               varchar,
    model               varchar,
    status              varchar,
    latency_ms          double,
    provider            varchar,
    tenant              varchar,
    user_role           varchar,
    task_id             varchar,       -- request_id when the log has none
    task_success        boolean,
    ttft_ms             double,
    input_tokens        bigint,
    output_tokens       bigint,
    cached_input_tokens bigint,
    reasoning_tokens    bigint,
    cost_usd            decimal(18, 12),        -- NULL: unpriced, never 0
    cost_source         varchar,                -- 'log', 'genai-prices' or NULL
    structured_output   boolean,
    parse_ok            boolean,
    retrieval_used      boolean,
    retrieved_docs      bigint,
    context_truncated   boolean,
    tool_calls          bigint,
    tool_errors         bigint,
    retries             bigint,
    fallback            boolean,
    escalated           boolean,
    eval_pass           boolean,
    feedback            tinyint,
    prompt_version      varchar,
    release             varchar,
    retrieval_config    varchar,
    tool_schema_version varchar,
    temperature         double,
    error_type          varchar,
    attributes          json,                   -- every field outside the contract
    free_text           json,                   -- prompt/response/messages, redacted; only with LLM_VITALS_STORE_FREE_TEXT
    source_file         varchar,
    batch_id            bigint,
    -- Scratch columns used inside one ingest transaction: every line is written in one parallel
    -- pass with its verdict, then rejected lines move to rejected_records. Committed rows hold NULL.
    _reject_reason      varchar,
    _raw_line           varchar
);

create table if not exists rejected_records (
    batch_id    bigint not null,
    source_file varchar not null,
    line_no     bigint,          -- JSON Lines and CSV: line in the file; Parquet: row (first = 1)
    raw         varchar,         -- the record as read, cut to 2 KB
    reason      varchar not null,
    rejected_at timestamptz not null
);

create table if not exists ingested_files (
    path          varchar primary key,
    kind          varchar not null,  -- jsonl, csv or parquet
    size_bytes    bigint not null,
    modified_at   timestamptz not null,
    head_sha256   varchar not null,  -- hash of the first 64 KiB: tells a grown file from a rewritten one
    lines_read    bigint not null,   -- lines (JSON Lines, CSV) or rows (Parquet) consumed so far
    last_batch_id bigint not null,
    bytes_read    bigint             -- where the next run starts reading (after the last whole line read)
);

-- a database made before bytes_read existed gets the column (NULL: read a grown file from its start once)
alter table ingested_files add column if not exists bytes_read bigint;

create table if not exists refused_files (
    -- files a batch could not read at all (they were left out of it, and are tried again next run)
    batch_id   bigint not null,
    path       varchar not null,
    reason     varchar not null,
    refused_at timestamptz not null
);

create table if not exists ingest_batches (
    batch_id         bigint primary key,
    started_at       timestamptz not null,
    finished_at      timestamptz not null,
    files_read       integer not null,
    accepted         bigint not null,
    rejected         bigint not null,
    duplicates       bigint not null,
    priced_by_genai  bigint not null,
    unpriced         bigint not null,
    seconds          double not null,
    blank            bigint,            -- empty lines, skipped
    waiting          bigint             -- last lines without a line ending yet, left for the next run
);

alter table ingest_batches add column if not exists blank bigint;

alter table ingest_batches add column if not exists waiting bigint;

create table if not exists metrics (
    grain        varchar not null,      -- hour, day, week (UTC; weeks start Monday)
    window_start timestamptz not null,
    dimension    varchar not null,      -- all, route, model, prompt_version, tenant
    segment      varchar not null,      -- 'all' for dimension all; '' (empty) where the field was absent
    metric       varchar not null,
    value        double,                -- NULL where the denominator is empty
    sample_size  bigint not null        -- the denominator's count
);

create table if not exists pipeline_state (
    name  varchar primary key,
    value bigint not null
);

create table if not exists check_results (
    run_id       bigint not null,
    as_of        timestamptz not null,
    check_name   varchar not null,      -- threshold, freshness or rejected_share
    metric       varchar not null,
    grain        varchar not null,
    window_start timestamptz,
    dimension    varchar not null,
    segment      varchar not null,
    severity     varchar not null,
    observed     double,
    threshold    double,
    baseline     double,
    numerator    bigint,
    sample_size  bigint,
    p_value      double,
    status       varchar not null,      -- pass, fail or not enough data
    explained_by varchar,               -- the incident's cause when this failure is its side effect
    kind         varchar,               -- rate, quantile, mean, budget, slo or builtin
    window_end   timestamptz,
    counted      double,                -- quantiles and means: the value the window's calls were counted above
    beyond       boolean                -- past its threshold, significantly or not
);

alter table check_results add column if not exists kind varchar;

alter table check_results add column if not exists window_end timestamptz;

alter table check_results add column if not exists counted double;

alter table check_results add column if not exists beyond boolean;

create table if not exists check_window_memo (
    -- a window judged once is not judged again while nothing in it or its baseline changed
    -- (its results are in check_results under run_id)
    window_name      varchar not null,
    range_start      timestamptz not null,
    range_end        timestamptz not null,
    fingerprint      varchar not null,   -- of the thresholds it was judged by
    through_batch_id bigint not null,    -- the last batch in the metrics then
    run_id           bigint not null
);

create table if not exists alerts (
    alert_id     bigint primary key,
    check_name   varchar not null,
    metric       varchar not null,
    dimension    varchar not null,
    segment      varchar not null,
    severity     varchar not null,
    status       varchar not null,      -- open or resolved
    opened_at    timestamptz not null,  -- the --as-of of the run that opened it
    resolved_at  timestamptz,
    grain        varchar,
    window_start timestamptz,
    observed     double,
    threshold    double,
    baseline     double,
    sample_size  bigint,
    also_seen_in varchar[],
    last_posted_at timestamptz
);

create table if not exists outbox (
    -- a message waits while sent_at, dead_at and dropped_at are all NULL (view outbox_messages)
    message_id      bigint primary key,
    created_at      timestamptz not null,
    alert_id        bigint,
    kind            varchar not null,   -- opened, resolved, reminder, digest or review
    channel         varchar,
    payload         json not null,      -- {"text": ..., "blocks": [...]}
    attempts        integer not null,
    last_error      varchar,
    sent_at         timestamptz,        -- Slack took it
    message_key     varchar,            -- carried as Slack message metadata: found again after a timeout
    channel_setting varchar,            -- the setting that named the channel (for error hints)
    attempted_at    timestamptz,        -- the last attempt began (it may have reached Slack)
    slack_ts        varchar,            -- the ts Slack gave the message
    dead_at         timestamptz,        -- Slack refused it for good (last_error says why)
    dropped_at      timestamptz         -- dropped with `llm-vitals outbox --drop`
);

alter table outbox add column if not exists message_key varchar;

alter table outbox add column if not exists channel_setting varchar;

alter table outbox add column if not exists attempted_at timestamptz;

alter table outbox add column if not exists slack_ts varchar;

alter table outbox add column if not exists dead_at timestamptz;

alter table outbox add column if not exists dropped_at timestamptz;

create table if not exists metric_cells (
    -- counts and sums per hour x route x model x prompt_version x tenant (sql/metrics_cells.sql),
    -- checks add them up over their windows. Absent tenant, prompt_version, release…: '' (empty).
    hour_start                   timestamptz,
    route                        varchar,
    model                        varchar,
    prompt_version               varchar,
    tenant                       varchar,
    release                      varchar,
    retrieval_config             varchar,
    tool_schema_version          varchar,
    temperature                  varchar,
    calls                        bigint,
    failed_calls                 bigint,
    timeouts                     bigint,
    rate_limited_calls           bigint,
    cancelled_calls              bigint,
    ok_calls                     bigint,
    ok_calls_with_ttft           bigint,
    input_tokens                 hugeint,
    calls_with_input_tokens      bigint,
    output_tokens                hugeint,
    calls_with_output_tokens     bigint,
    total_tokens                 hugeint,
    calls_with_tokens            bigint,
    cost_usd                     decimal(38,12),
    priced_calls                 bigint,
    priceable_calls              bigint,    -- calls that log a cost or report tokens
    structured_calls             bigint,
    parse_failures               bigint,
    retrieval_calls              bigint,
    empty_retrievals             bigint,
    calls_with_truncation_flag   bigint,
    truncated_calls              bigint,
    tool_calls                   hugeint,
    tool_errors                  hugeint,
    calls_with_retry_count       bigint,
    retried_calls                bigint,
    calls_with_fallback_flag     bigint,
    fallback_calls               bigint,
    calls_with_escalation_flag   bigint,
    escalated_calls              bigint,
    evaluated_calls              bigint,
    passed_evals                 bigint
);

-- a database made before priceable_calls existed: `metrics --full` fills it
alter table metric_cells add column if not exists priceable_calls bigint;

create table if not exists metric_task_cells (
    -- tasks per hour x route x tenant of their first call (sql/metrics_task_facts.sql): what days
    -- and weeks add up, so a run recomputes only the hours its batch touched. Absent tenant: ''.
    hour_start         timestamptz,
    route              varchar,
    tenant             varchar,
    tasks              bigint,
    tasks_with_outcome bigint,
    successful_tasks   bigint,
    cost_usd           decimal(38,12)
);

create table if not exists metric_week_tails (
    -- a week's exact latency and TTFT quantiles per dimension and segment (sql/metrics_tails.sql)
    -- over the calls it held through computed_through; sql/metrics_windows.sql says when a run
    -- recomputes them (README "Metric definitions": week quantiles)
    week_start       timestamptz,
    dimension        varchar,
    segment          varchar,
    latency_ms_q     double[],
    ttft_ms_q        double[],
    ok_calls         bigint,
    ttft_calls       bigint,
    computed_through timestamptz
);

create table if not exists check_baselines (
    -- the quantile and mean checks' baselines (sql/check_baseline_calls.sql and sql/check_baseline_tasks.sql), computed once per
    -- baseline range; sql/metrics_replace.sql forgets a range when an hour in it is recomputed
    range_start timestamptz not null,
    range_end   timestamptz not null,
    dimension   varchar not null,
    segment     varchar not null,
    metric      varchar not null,
    value       double,            -- the metric over the whole range
    p90         double,            -- means: the 90th percentile of single calls (or tasks)
    sample_size bigint not null
);

create table if not exists check_runs (
    -- one row per `check` run: the latest as_of is the present; an earlier one is a look back
    run_id    bigint primary key,
    as_of     timestamptz not null,
    ran_at    timestamptz not null,
    look_back boolean not null    -- as_of was before an earlier run's: results kept, alerts untouched
);

create table if not exists slo_status (
    -- every check run's SLO status: what is left of each error budget, and the burn rates
    -- (view slo_budgets: the latest run's)
    as_of            timestamptz not null,
    slo              varchar not null,
    objective        varchar not null,   -- availability, latency, parse_success, retrieval_nonempty
    dimension        varchar not null,
    segment          varchar not null,
    target           double not null,
    window_days      integer not null,
    good             bigint not null,    -- good events over the SLO's window
    total            bigint not null,
    budget_remaining double,             -- 1: untouched, 0: spent, below 0: overspent
    burn_1h          double,
    burn_6h          double,
    burn_3d          double
);

create table if not exists source_watermarks (
    -- how far each table source has been read (llm_vitals/sql_source.py): the last (watermark, key)
    -- of its last committed page, written in the same transaction as that page's calls
    source     varchar primary key,   -- the source's name (its URL without password, and its table)
    watermark  varchar not null,      -- the watermark column's value, as the database printed it
    tie_key    varchar not null,      -- the key column's value of the same row
    updated_at timestamptz not null
);
