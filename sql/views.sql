-- views.sql: readable wide views over `metrics` for ad hoc queries: one row per grain, window,
-- dimension and segment, one column per metric. metrics_hourly, metrics_daily and metrics_weekly
-- are the same for one grain. Recreated on every read-write connection; no parameters.
create or replace view metrics_wide as
select
    grain,
    window_start,
    dimension,
    segment,
    max(value) filter (where metric = 'requests') as requests,
    max(value) filter (where metric = 'error_rate') as error_rate,
    max(value) filter (where metric = 'timeout_rate') as timeout_rate,
    max(value) filter (where metric = 'rate_limit_rate') as rate_limit_rate,
    max(value) filter (where metric = 'cancel_rate') as cancel_rate,
    max(value) filter (where metric = 'latency_p50_ms') as latency_p50_ms,
    max(value) filter (where metric = 'latency_p90_ms') as latency_p90_ms,
    max(value) filter (where metric = 'latency_p95_ms') as latency_p95_ms,
    max(value) filter (where metric = 'latency_p99_ms') as latency_p99_ms,
    max(value) filter (where metric = 'ttft_p50_ms') as ttft_p50_ms,
    max(value) filter (where metric = 'ttft_p95_ms') as ttft_p95_ms,
    max(value) filter (where metric = 'input_tokens') as input_tokens,
    max(value) filter (where metric = 'output_tokens') as output_tokens,
    max(value) filter (where metric = 'tokens_per_request') as tokens_per_request,
    max(value) filter (where metric = 'cost_usd') as cost_usd,
    max(value) filter (where metric = 'cost_per_request_usd') as cost_per_request_usd,
    max(value) filter (where metric = 'unpriced_rate') as unpriced_rate,
    max(value) filter (where metric = 'parser_failure_rate') as parser_failure_rate,
    max(value) filter (where metric = 'retrieval_empty_rate') as retrieval_empty_rate,
    max(value) filter (where metric = 'context_truncation_rate') as context_truncation_rate,
    max(value) filter (where metric = 'tool_error_rate') as tool_error_rate,
    max(value) filter (where metric = 'retry_rate') as retry_rate,
    max(value) filter (where metric = 'fallback_rate') as fallback_rate,
    max(value) filter (where metric = 'escalation_rate') as escalation_rate,
    max(value) filter (where metric = 'eval_pass_rate') as eval_pass_rate,
    max(value) filter (where metric = 'routing_share') as routing_share,
    max(value) filter (where metric = 'tasks') as tasks,
    max(value) filter (where metric = 'task_success_rate') as task_success_rate,
    max(value) filter (where metric = 'cost_per_successful_task_usd') as cost_per_successful_task_usd,
from metrics
group by grain, window_start, dimension, segment;

create or replace view metrics_hourly as
select * exclude (grain) from metrics_wide where grain = 'hour';

create or replace view metrics_daily as
select * exclude (grain) from metrics_wide where grain = 'day';

create or replace view metrics_weekly as
select * exclude (grain) from metrics_wide where grain = 'week';

-- outbox_messages: the outbox with each message's state (waiting, sent, dead or dropped).
create or replace view outbox_messages as
select
    message_id,
    created_at,
    kind,
    channel,
    channel_setting,
    case
        when sent_at is not null then 'sent'
        when dropped_at is not null then 'dropped'
        when dead_at is not null then 'dead'
        else 'waiting'
    end as state,
    attempts,
    last_error,
    sent_at,
    slack_ts,
    dead_at,
    alert_id,
    payload ->> '$.text' as text
from outbox;

-- slo_budgets: each SLO segment's error budget as of the latest check run.
create or replace view slo_budgets as
select *
from slo_status
where as_of = (select max(latest.as_of) from slo_status as latest);
