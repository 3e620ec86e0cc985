"""Every metric computed a second, independent way: plain Python over the accepted records.

Follows the definitions in the README ("Metric definitions") without any SQL.
"""

import math
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

DIMENSIONS = ("route", "model", "prompt_version", "tenant")


def window_start(ts: datetime, grain: str) -> datetime:
    ts = ts.astimezone(UTC)
    if grain == "hour":
        return ts.replace(minute=0, second=0, microsecond=0)
    day = ts.replace(hour=0, minute=0, second=0, microsecond=0)
    return day if grain == "day" else day - timedelta(days=day.weekday())


class Interpolated(float):
    """A quantile: lo * (1 - d) + hi * d evaluated in IEEE doubles. DuckDB's build may fuse one
    multiply-add (fma(lo, 1 - d, hi * d)), which rounds once instead of twice; both evaluations of
    the same formula compare equal here, and nothing else does (no tolerance)."""

    def __new__(cls, plain: float, fused: float):
        obj = super().__new__(cls, plain)
        obj.fused = fused
        return obj

    def __eq__(self, other: object) -> bool:
        return isinstance(other, float) and (float(self) == other or self.fused == other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = float.__hash__


def quantile(values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default): h = (n - 1) q, d = h - floor(h)."""
    if not values:
        return None
    xs = sorted(values)
    h = (len(xs) - 1) * q
    lo, hi = math.floor(h), math.ceil(h)
    if lo == hi:
        return xs[lo]
    d = h - lo
    fused = float(Fraction(xs[lo]) * Fraction(1 - d) + Fraction(xs[hi] * d))
    return Interpolated(xs[lo] * (1 - d) + xs[hi] * d, fused)


def parse(rec: dict) -> dict:
    """Returns the record as the reference reads it: typed, cost rounded to 1e-12 like the database."""
    out = dict(rec)
    out["ts"] = datetime.fromisoformat(rec["timestamp"].replace("Z", "+00:00"))
    if rec.get("cost_usd") is not None:
        out["cost"] = Decimal(str(rec["cost_usd"])).quantize(Decimal("1e-12"), rounding=ROUND_HALF_UP)
    else:
        out["cost"] = None
    out.setdefault("task_id", rec["request_id"])
    for dim in ("prompt_version", "tenant"):
        out[dim] = rec.get(dim) if rec.get(dim) not in (None, "") else ""
    return out


def rate(num: int, den: int) -> tuple[float | None, int]:
    return (num / den if den else None), den


def call_metrics(calls: list[dict], window_calls: int, dimension: str) -> dict[str, tuple]:
    ok = [c for c in calls if c["status"] == "ok"]
    ttft = [c["ttft_ms"] for c in ok if c.get("ttft_ms") is not None]
    n = len(calls)
    carries_tokens = [c for c in calls if c.get("input_tokens") is not None or c.get("output_tokens") is not None]
    with_tokens = [c for c in carries_tokens if c["status"] == "ok"]  # a failed call's 0 tokens say nothing of use
    priced = [c["cost"] for c in calls if c["cost"] is not None]
    priceable = [c for c in calls if c["cost"] is not None or c in carries_tokens]
    cost = float(sum(priced)) if priced else None
    structured = [c for c in calls if c.get("structured_output") is True and c.get("parse_ok") is not None]
    retrieval = [c for c in calls if c.get("retrieval_used") is True and c.get("retrieved_docs") is not None]
    tooled = [c for c in calls if c.get("tool_calls") is not None]
    tool_calls = sum(c["tool_calls"] for c in tooled)

    def flag_rate(name: str) -> tuple:
        known = [c for c in calls if c.get(name) is not None]
        return rate(sum(1 for c in known if c[name] is True), len(known))

    def total(name: str) -> tuple:
        known = [c[name] for c in calls if c.get(name) is not None]
        return (float(sum(known)) if known else None), len(known)

    latencies = [c["latency_ms"] for c in ok]
    out = {
        "requests": (float(n), n),
        "error_rate": rate(sum(c["status"] != "ok" for c in calls), n),
        "timeout_rate": rate(sum(c["status"] == "timeout" for c in calls), n),
        "rate_limit_rate": rate(sum(c["status"] == "rate_limited" for c in calls), n),
        "cancel_rate": rate(sum(c["status"] == "cancelled" for c in calls), n),
        "latency_p50_ms": (quantile(latencies, 0.5), len(ok)),
        "latency_p90_ms": (quantile(latencies, 0.9), len(ok)),
        "latency_p95_ms": (quantile(latencies, 0.95), len(ok)),
        "latency_p99_ms": (quantile(latencies, 0.99), len(ok)),
        "ttft_p50_ms": (quantile(ttft, 0.5), len(ttft)),
        "ttft_p95_ms": (quantile(ttft, 0.95), len(ttft)),
        "input_tokens": total("input_tokens"),
        "output_tokens": total("output_tokens"),
        "tokens_per_request": rate(
            sum((c.get("input_tokens") or 0) + (c.get("output_tokens") or 0) for c in with_tokens), len(with_tokens)
        ),
        "cost_usd": (cost, len(priced)),
        "cost_per_request_usd": ((cost / len(priced)) if priced else None, len(priced)),
        "unpriced_rate": rate(len(priceable) - len(priced), len(priceable)),
        "parser_failure_rate": rate(sum(c["parse_ok"] is False for c in structured), len(structured)),
        "retrieval_empty_rate": rate(sum(c["retrieved_docs"] == 0 for c in retrieval), len(retrieval)),
        "context_truncation_rate": flag_rate("context_truncated"),
        "tool_error_rate": rate(sum(c.get("tool_errors") or 0 for c in tooled), tool_calls),
        "retry_rate": rate(sum(c["retries"] > 0 for c in calls if c.get("retries") is not None),
                           sum(c.get("retries") is not None for c in calls)),
        "fallback_rate": flag_rate("fallback"),
        "escalation_rate": flag_rate("escalated"),
        "eval_pass_rate": flag_rate("eval_pass"),
    }
    if dimension == "model":
        out["routing_share"] = rate(n, window_calls)
    return out


def task_metrics(tasks: list[dict]) -> dict[str, tuple]:
    outcomes = [t for t in tasks if t["outcome"] is not None]
    successful = sum(1 for t in outcomes if t["outcome"])
    costs = [t["cost"] for t in tasks if t["cost"] is not None]
    cost = float(sum(costs)) if costs else None
    return {
        "tasks": (float(len(tasks)), len(tasks)),
        "task_success_rate": rate(successful, len(outcomes)),
        "cost_per_successful_task_usd": ((cost / successful) if successful and cost is not None else None, successful),
    }


def all_metrics(records: list[dict]) -> dict[tuple, tuple]:
    """Returns {(grain, window_start, dimension, segment, metric): (value, sample_size)}."""
    calls = [parse(r) for r in records]
    by_task: dict[str, list[dict]] = defaultdict(list)
    for c in calls:
        by_task[c["task_id"]].append(c)
    tasks = []
    for task_calls in by_task.values():
        ordered = sorted(task_calls, key=lambda c: (c["ts"], c["request_id"]))
        with_outcome = [c for c in ordered if c.get("task_success") is not None]
        costs = [c["cost"] for c in ordered if c["cost"] is not None]
        tasks.append({
            "first": ordered[0],
            "outcome": with_outcome[-1]["task_success"] if with_outcome else None,
            "cost": sum(costs) if costs else None,
        })
    out = {}
    for grain in ("hour", "day", "week"):
        windows: dict[datetime, list[dict]] = defaultdict(list)
        for c in calls:
            windows[window_start(c["ts"], grain)].append(c)
        for start, in_window in windows.items():
            groups = {("all", "all"): in_window}
            for dim in DIMENSIONS:
                for c in in_window:
                    groups.setdefault((dim, c[dim]), []).append(c)
            for (dim, seg), group in groups.items():
                for metric, value in call_metrics(group, len(in_window), dim).items():
                    out[(grain, start, dim, seg, metric)] = value
        task_windows: dict[datetime, list[dict]] = defaultdict(list)
        for t in tasks:
            task_windows[window_start(t["first"]["ts"], grain)].append(t)
        for start, in_window in task_windows.items():
            groups = {("all", "all"): in_window}
            for dim in ("route", "tenant"):
                for t in in_window:
                    groups.setdefault((dim, t["first"][dim]), []).append(t)
            for (dim, seg), group in groups.items():
                for metric, value in task_metrics(group).items():
                    out[(grain, start, dim, seg, metric)] = value
    return out
