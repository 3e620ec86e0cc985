"""The metric names of table `metrics`: the same in SQL, Python, checks and Slack."""

CALL_METRICS = (
    "requests",
    "error_rate",
    "timeout_rate",
    "rate_limit_rate",
    "cancel_rate",
    "latency_p50_ms",
    "latency_p90_ms",
    "latency_p95_ms",
    "latency_p99_ms",
    "ttft_p50_ms",
    "ttft_p95_ms",
    "input_tokens",
    "output_tokens",
    "tokens_per_request",
    "cost_usd",
    "cost_per_request_usd",
    "unpriced_rate",
    "parser_failure_rate",
    "retrieval_empty_rate",
    "context_truncation_rate",
    "tool_error_rate",
    "retry_rate",
    "fallback_rate",
    "escalation_rate",
    "eval_pass_rate",
    "routing_share",
)
TASK_METRICS = (
    "tasks",
    "task_success_rate",
    "cost_per_successful_task_usd",
)
ALL_METRICS = CALL_METRICS + TASK_METRICS
DIMENSIONS = ("all", "route", "model", "prompt_version", "tenant")
TASK_DIMENSIONS = ("all", "route", "tenant")
GRAINS = ("hour", "day", "week")
