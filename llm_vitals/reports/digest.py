"""The weekly digest: the week's numbers against the week before, what changed, the top
regressions with what explains them, the week's alerts and data quality. Built here as plain
data; `digest_render` writes it as Markdown or as Slack Block Kit."""

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import duckdb

from llm_vitals import db
from llm_vitals.checks.thresholds import RATE_COUNTS
from llm_vitals.formatting import metric_value, segment_label
from llm_vitals.reports import evidence
from llm_vitals.reports.attribution import Attribution, Cell, attribute
from llm_vitals.stats import binomial_sf

HEADLINE = ("requests", "error_rate", "latency_p50_ms", "latency_p95_ms", "latency_p99_ms", "cost_usd",
            "cost_per_successful_task_usd")
QUALITY = ("parser_failure_rate", "retrieval_empty_rate", "timeout_rate", "rate_limit_rate", "context_truncation_rate",
           "fallback_rate", "escalation_rate", "eval_pass_rate")
REGRESSING = tuple(m for m in RATE_COUNTS if m != "eval_pass_rate")  # rates where up is worse
QUALITY_DOWN = ("parser_failure_rate", "retrieval_empty_rate", "context_truncation_rate", "escalation_rate")
COST_MARGIN = 0.25  # cost is "up faster than usage" when cost per task rose by more than 25 %


class VersionChange(NamedTuple):
    """A version first seen in the period (sql/digest_version_changes.sql)."""

    dimension: str  # model, prompt_version, release, retrieval_config, tool_schema_version, temperature
    value: str
    first_seen: datetime
    routes: list[str]


class AlertSpan(NamedTuple):
    """An alert open during the period, and how long it lasted in it (sql/digest_operations.sql)."""

    metric: str
    dimension: str
    segment: str
    severity: str
    opened_at: datetime
    resolved_at: datetime | None
    lasted: timedelta


@dataclass
class Regression:
    metric: str
    dimension: str
    segment: str
    before: float
    now: float
    impact: float  # events this week beyond last week's rate (cost: dollars beyond last week's cost per task)
    attribution: Attribution
    finding: evidence.Finding | None = None  # the checklist's interpretation rule, with its evidence

    @property
    def text(self) -> str:
        return self.attribution.text + (" " + self.finding.text() if self.finding else "")


@dataclass
class Digest:
    week: str
    start: datetime
    numbers: dict[tuple[bool, str, str, str], tuple[float | None, int]]  # (this week?, dim, seg, metric)
    changes: list[VersionChange]
    regressions: list[Regression]
    alerts: list[AlertSpan]
    data_quality: list[tuple[str, int]]
    cost_regressions: list[Regression] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def value(self, metric: str, dimension: str = "all", segment: str = "all", this_week: bool = True):
        return self.numbers.get((this_week, dimension, segment, metric), (None, 0))[0]

    def calls(self, this_week: bool = True) -> int:
        """The calls of the week (or the week before): error_rate's sample size is every call."""
        return self.numbers.get((this_week, "all", "all", "error_rate"), (None, 0))[1] or 0


def parse_week(text: str) -> datetime:
    """Returns the Monday 00:00 UTC of an ISO week written YYYY-Www."""
    try:
        year, week = text.upper().split("-W")
        return datetime.fromisocalendar(int(year), int(week), 1).replace(tzinfo=UTC)
    except ValueError:
        from llm_vitals.errors import ConfigError

        raise ConfigError(f"Week {text!r} is not an ISO week.", hint="Write it as YYYY-Www, e.g. 2026-W47.") from None


def build(con: duckdb.DuckDBPyConnection, week: str, *, top: int = 5, alpha: float = 1e-3) -> Digest:
    """Returns the digest of the ISO week `week` from the metrics, cells, alerts and logs in con."""
    start = parse_week(week)
    last, end = start - timedelta(days=7), start + timedelta(days=7)
    numbers = {
        (this, dimension, segment, metric): (value, n)
        for this, dimension, segment, metric, value, n in db.fetch(con, "digest_week_metrics", this_week=start, last_week=last)
    }
    changes = [VersionChange(*row) for row in db.fetch(con, "digest_version_changes", week_start=start, week_end=end)]
    rollouts = {(d, v): seen for d, v, seen, _ in changes}
    regressions = []
    for (this, dimension, segment, metric), (value, n) in numbers.items():
        if not this or metric not in REGRESSING or dimension == "prompt_version" or not n or value is None:
            continue
        before, n_before = numbers.get((False, dimension, segment, metric), (None, 0))
        if before is None or not n_before or value <= before:
            continue
        k = round(value * n)
        if binomial_sf(k, n, max(before, 1e-9)) > alpha:
            continue
        cells = _cells(con, metric, dimension, segment, start, last)
        regressions.append(Regression(metric, dimension, segment, before, value, k - n * before,
                                      attribute(metric, segment_label(dimension, segment), cells, start, rollouts,
                                                dimension=dimension)))
    regressions += _latency_regressions(con, numbers, start, last, rollouts, alpha)
    regressions = [r for r in regressions if not _same_as_all(numbers, r.dimension, r.segment)]
    regressions.sort(key=lambda r: -r.impact)
    regressions = _one_per_cause(regressions)[:top]
    usage = _usage(con, start, last)  # every segment's two weeks, read once
    for r in regressions:
        r.finding = _finding(con, numbers, usage, r, start, last)
    costs = sorted(_cost_regressions(usage), key=lambda r: -r.impact)[:top]
    alerts = [AlertSpan(*row) for row in db.fetch(con, "digest_operations", week_start=start, week_end=end)]
    quality = [tuple(row) for row in db.fetch(con, "digest_data_quality", week_start=start, week_end=end)]
    return Digest(week.upper(), start, numbers, changes, regressions, alerts, quality, costs)



_CELL_DIMENSIONS = ("route", "model", "prompt_version", "tenant", "release", "retrieval_config", "tool_schema_version",
                    "temperature")


def _cells(con, metric, dimension, segment, start, last) -> list[Cell]:
    """The segment's hourly cells over the two weeks, with the metric's events and trials."""
    numerator, denominator = RATE_COUNTS[metric]
    rows = db.records(con, "digest_hourly_cells", dimension=dimension, segment=segment, range_start=last,
                      range_end=start + timedelta(days=7))
    return [Cell(r["hour_start"], {d: r[d] or "" for d in _CELL_DIMENSIONS}, r[numerator], r[denominator])
            for r in rows if r[denominator]]


def _latency_regressions(con, numbers, start, last, rollouts, alpha) -> list[Regression]:
    """p95 latency regressions: more of this week's calls are slower than last week's p95 than the
    5 % that were, significantly; attributed like rates, on the share of calls over that p95."""
    out = []
    for (this, dimension, segment, metric), (p95, _n) in numbers.items():
        if not this or metric != "latency_p95_ms" or dimension not in ("all", "route", "model", "tenant") or p95 is None:
            continue
        p95_before, n_before = numbers.get((False, dimension, segment, metric), (None, 0))
        if p95_before is None or n_before < 30 or p95 <= p95_before:
            continue
        rows = db.records(con, "digest_latency_splits", dimension=dimension, segment=segment, p95_ms=p95_before,
                          this_week=start, last_week=last)
        cells = [Cell(r["hour_start"], {d: r[d] or "" for d in _CELL_DIMENSIONS}, r["slower_calls"], r["calls"])
                 for r in rows]
        k_now = sum(c.k for c in cells if c.hour >= start)
        n_now = sum(c.n for c in cells if c.hour >= start)
        if not n_now or binomial_sf(k_now, n_now, 0.05) > alpha:
            continue
        label = segment_label(dimension, segment)
        found = attribute(f"calls slower than last week's p95 ({p95_before:,.0f} ms)", label, cells, start, rollouts,
                          dimension=dimension)
        text = f"{label}: latency_p95_ms {p95_before:,.0f} ms → {p95:,.0f} ms. " + found.text
        out.append(Regression("latency_p95_ms", dimension, segment, p95_before, p95, k_now - 0.05 * n_now,
                              replace(found, text=text)))
    return out


def _usage(con, start, last, dimension=None, segment=None, version_dimension="none", values=()
           ) -> dict[tuple[str, str], dict[tuple[bool, bool], evidence.Usage]]:
    """Usage per segment (every segment when dimension is None), then per (this week?, in the named
    versions?), each with its per-model usage."""
    totals, models = {}, {}
    for row in db.records(con, "digest_evidence", dimension=dimension, segment=segment, version_dimension=version_dimension,
                          version_values=list(values), this_week=start, last_week=last):
        key = (row.pop("dimension"), row.pop("segment"), row.pop("is_this_week"), row.pop("in_version"))
        model = row.pop("model")
        if model is None:
            totals[key] = row
        else:
            models.setdefault(key, {})[model] = evidence.Usage(**row)
    out: dict[tuple[str, str], dict[tuple[bool, bool], evidence.Usage]] = {}
    for key, row in totals.items():
        out.setdefault(key[:2], {})[key[2:]] = evidence.Usage(**row, by_model=models.get(key, {}))
    return out


def _finding(con, numbers, usage, r: Regression, start, last) -> evidence.Finding | None:
    """Applies the interpretation rule that fits the regression's metric and attribution."""
    a, none = r.attribution, evidence.Usage()
    if r.metric == "parser_failure_rate" and a.kind == "version":
        split = _usage(con, start, last, r.dimension, r.segment, a.dimension, a.values).get((r.dimension, r.segment), {})
        return evidence.parser(", ".join(a.values), split.get((True, True), none), split.get((True, False), none))
    if r.metric in QUALITY_DOWN:
        p95 = [numbers.get((this, r.dimension, r.segment, "latency_p95_ms"), (None, 0))[0] for this in (False, True)]
        return evidence.quality(*p95)
    if r.metric == "latency_p95_ms":
        weeks = usage.get((r.dimension, r.segment), {})
        return evidence.latency(weeks.get((False, False), none), weeks.get((True, False), none))
    return None


def _cost_regressions(usage, min_tasks: int = 100) -> list[Regression]:
    """Segments (all calls, routes, tenants) whose cost rose faster than their tasks: cost per task
    (cost of the week's calls / distinct tasks among them) up by more than COST_MARGIN."""
    out = []
    everything = usage.get(("all", "all"), {})
    for (dimension, segment), weeks in usage.items():
        before, now = weeks.get((False, False)), weeks.get((True, False))
        if dimension != "all" and weeks == everything:
            continue  # the same calls as "all calls" (one route, or no tenants): listed once
        if dimension == "model" or before is None or now is None or min(before.tasks, now.tasks) < min_tasks:
            continue
        if not before.cost_usd or now.cost_per_task <= before.cost_per_task * (1 + COST_MARGIN):
            continue
        label = segment_label(dimension, segment)
        text = (f"{label}: cost {metric_value('cost_usd', before.cost_usd)} → {metric_value('cost_usd', now.cost_usd)}"
                f" while tasks {before.tasks:,} → {now.tasks:,}.")
        out.append(Regression("cost_usd", dimension, segment, before.cost_per_task, now.cost_per_task,
                              float(now.cost_usd) - now.tasks * before.cost_per_task, Attribution("cost", text=text),
                              evidence.cost(before, now)))
    return out


def _same_as_all(numbers, dimension: str, segment: str) -> bool:
    """Whether a segment holds every call in both weeks (one route, or no tenants): shown once, as all calls."""
    return dimension != "all" and all(
        numbers.get((this, dimension, segment, "requests")) == numbers.get((this, "all", "all", "requests"))
        for this in (True, False))


def _one_per_cause(regressions: list[Regression]) -> list[Regression]:
    """Keeps the biggest regression of each cause; its echoes (in other segments, or in a metric
    that moves with it: error_rate made of timeouts) go. A cause is the named version, or where a
    regression that no version explains concentrates (else its own segment)."""
    seen: dict[tuple, int] = {}
    out: list[Regression] = []
    for r in regressions:
        a = r.attribution
        if a.kind == "version":
            key = ("version", a.dimension, a.values)
        elif a.kind == "not_version_related" and a.values:
            key = ("place", a.dimension, a.values)
        elif a.kind in ("not_version_related", "unexplained") and r.dimension != "all":
            key = ("place", r.dimension, (r.segment,))
        else:
            key = (r.metric, r.dimension, r.segment)
        if key not in seen:
            seen[key] = len(out)
            out.append(r)
        elif out[seen[key]].metric == "error_rate" and r.metric in ("timeout_rate", "rate_limit_rate"):
            out[seen[key]] = r  # the errors are these timeouts: the more specific metric tells it
    return out
