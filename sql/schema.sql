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
    last_batch_id bigint not null
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
    seconds          double not null
);

create table if not exists metrics (
    grain        varchar not null,      -- hour, day, week (UTC; weeks start Monday)
    window_start timestamptz not null,
    dimension    varchar not null,      -- all, route, model, prompt_version, tenant
    segment      varchar not null,      -- 'all' for dimension all; '(none)' where the field was absent
    metric       varchar not null,
    value        double,                -- NULL where the denominator is empty
    sample_size  bigint not null        -- the denominator's count
);

create table if not exists pipeline_state (
    name  varchar primary key,
    value bigint not null
);
