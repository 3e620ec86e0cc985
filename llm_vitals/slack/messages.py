"""Slack messages as plain data (Block Kit plus a text fallback). Sending is elsewhere."""

from datetime import datetime, timedelta

from llm_vitals.checks.detect import CheckResult
from llm_vitals.checks.thresholds import WINDOWS
from llm_vitals.formatting import duration, metric_value

MAX_BLOCKS = 50
MAX_SECTION_CHARS = 3000

HINTS = {  # from the production-readiness checklist
    "parser_failure_rate": "Parser failures up after a prompt change: check whether the structure broke "
                           "(schema, format instructions) or the quality did; compare prompt versions.",
    "timeout_rate": "Latency up without more traffic: look for larger contexts, extra tool calls and retries; "
                    "check the provider's status for this model.",
    "error_rate": "Quality down while latency is normal: compare prompt and model versions.",
    "rate_limit_rate": "Rate limits: check quota and traffic shifts toward this model; consider backoff or routing.",
    "retrieval_empty_rate": "Retrieval coming back empty: check the index, the retrieval config and the tenant's data.",
    "eval_pass_rate": "Quality down while latency is normal: compare prompt and model versions.",
    "unpriced_rate": "Cost up faster than usage is invisible while calls are unpriced: log cost_usd or the provider.",
    "context_truncation_rate": "Larger contexts: check prompt growth and retrieval depth.",
    "fallback_rate": "Fallbacks up: the primary model or path is failing; check its error and timeout rates.",
    "escalation_rate": "More hand-offs to humans: compare prompt and model versions and retrieval quality.",
}


def escape(text: object) -> str:
    """Returns text safe for Slack mrkdwn: no mention, link or channel ping can come from log data."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def alert_opened(result: CheckResult, also_seen_in: list[CheckResult], also_raised: list[CheckResult] = ()) -> dict:
    """Returns the message announcing a new incident."""
    title = f"{_icon(result.severity)} {result.severity.upper()}: {result.metric} on {_label(result)}"
    facts = _facts(result)
    text = f"{title}: {facts}"
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": _plain(title)[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _cut(facts)}},
    ]
    if also_seen_in:
        dragged = _also_seen_in(also_seen_in)
        text += f" Also seen in: {dragged}."
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _cut(f"*Also seen in* (explained by this): {dragged}")}})
    if also_raised:
        moved = ", ".join(f"`{r.metric}` {metric_value(r.metric, r.observed)}" for r in also_raised)
        text += f" Also raised: {moved}."
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _cut(f"*Also raised* (same calls): {moved}")}})
    hint = HINTS.get(result.metric)
    if hint:
        text += f" Hint: {hint}"
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _cut(f"Hint: {escape(hint)}")}]})
    return {"text": text, "blocks": blocks[:MAX_BLOCKS]}


def alert_resolved(result: CheckResult | None, metric: str, label: str, opened_at: datetime, resolved_at: datetime) -> dict:
    """Returns the message announcing that an incident recovered, with how long it lasted."""
    lasted = duration(resolved_at - opened_at)
    now = f" now {metric_value(metric, result.observed)} (threshold {metric_value(metric, result.threshold)})" if result else ""
    text = f"✅ RESOLVED: {metric} on {escape(label)}{now}; lasted {lasted}."
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": _cut(text)}}]}


def _facts(result: CheckResult) -> str:
    baseline = metric_value(result.metric, result.baseline) if result.baseline is not None else "none yet"
    length = WINDOWS[result.grain][0] if result.grain in WINDOWS else timedelta(days=1)
    window_end = result.window_start + length
    end_format = "%H:%M" if window_end.date() == result.window_start.date() else "%Y-%m-%d %H:%M"
    return (
        f"`{result.metric}` on {_label(result)} is {metric_value(result.metric, result.observed)}"
        f" ({result.numerator:,} of {result.sample_size:,}), threshold {metric_value(result.metric, result.threshold)},"
        f" baseline {baseline}; {result.grain} window {result.window_start:%Y-%m-%d %H:%M}–{window_end.strftime(end_format)} UTC"
        + (f" (p = {result.p_value:.1e})." if result.p_value is not None else ".")
    )


def _also_seen_in(results: list[CheckResult]) -> str:
    by_dimension: dict[str, list[str]] = {}
    for r in results:
        shown = f"(calls without a {r.dimension.replace('_', ' ')})" if r.segment == "" else escape(r.segment)
        by_dimension.setdefault("all calls" if r.dimension == "all" else r.dimension, []).append(shown)
    parts = []
    for dimension, segments in by_dimension.items():
        shown = ", ".join(segments[:8]) + (f", … and {len(segments) - 8} more" if len(segments) > 8 else "")
        parts.append(dimension if dimension == "all calls" else f"{dimension} {shown}")
    return "; ".join(parts)


def _label(result: CheckResult) -> str:
    if result.dimension == "all" or result.segment == "":
        return escape(result.label)
    return f"{result.dimension} *{escape(result.segment)}*"


def _icon(severity: str) -> str:
    return "🔴" if severity == "critical" else "🟠"


def _plain(text: str) -> str:
    return text.replace("*", "")


def _cut(text: str) -> str:
    return text if len(text) <= MAX_SECTION_CHARS else text[: MAX_SECTION_CHARS - 12] + " … (cut)"
