"""Rate checks on one window's cells, and grouping of failures into incidents (one cause, one alert).

A segment fails when its count is significantly beyond its threshold (exact binomial test, Holm's
correction across the run's tests). Failures are then grouped: a failing segment C *explains* a failing
segment S (of another dimension) when S without C's calls is no longer significant. The segment
that explains the most others opens the incident; those it explains are listed in it, not alerted.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from llm_vitals.formatting import segment_label
from llm_vitals.stats import binomial_cdf, binomial_sf, holm
from llm_vitals.thresholds import RATE_COUNTS, Thresholds

_PRIORITY = {"route": 0, "model": 1, "tenant": 2, "prompt_version": 3, "all": 4}


@dataclass
class CheckResult:
    """One metric of one segment in one window, as judged."""

    check: str
    metric: str
    grain: str
    window_start: datetime
    dimension: str
    segment: str
    severity: str
    observed: float | None
    threshold: float | None
    baseline: float | None
    numerator: int
    sample_size: int
    p_value: float | None = None
    status: str = "not enough data"  # pass, fail or not enough data
    beyond: bool = False  # above (or below) its threshold, significantly or not
    explained_by: str | None = None  # "route extract": this rise is that segment's

    @property
    def label(self) -> str:
        return segment_label(self.dimension, self.segment)


@dataclass
class Incident:
    """A failing segment that no other failing segment explains, with what it drags along."""

    cause: CheckResult
    also_seen_in: list[CheckResult] = field(default_factory=list)  # segments it lifts past their thresholds
    also_raised: list[CheckResult] = field(default_factory=list)  # other metrics it moves (error_rate by timeouts)

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.cause.check, self.cause.metric, self.cause.dimension, self.cause.segment)


@dataclass
class Window:
    """One evaluated window: its cells (count columns per route x model x version x tenant) and baselines."""

    grain: str
    start: datetime
    cells: list[dict]
    baselines: dict[tuple[str, str, str], tuple[float, int]]  # (dimension, segment, metric) -> (median, windows)


def evaluate(windows: list[Window], thresholds: Thresholds) -> list[CheckResult]:
    """Returns every rate check of every window, with its p-value where there is enough data."""
    return [result for window in windows for result in _rate_results(window, thresholds)]


def judge(results: list[CheckResult], beyond: set[int], thresholds: Thresholds) -> None:
    """Sets each tested result's status: fail when it is beyond its bound (`beyond`: indexes into
    results, from Great Expectations) and significantly so after Holm's correction; else pass."""
    tested = [i for i, r in enumerate(results) if r.p_value is not None]
    rejected = holm([results[i].p_value for i in tested], thresholds.settings.false_alarm_rate)
    for i, significant in zip(tested, rejected):
        results[i].beyond = i in beyond
        results[i].status = "fail" if significant and i in beyond else "pass"


def beyond_bounds(results: list[CheckResult], thresholds: Thresholds) -> set[int]:
    """The plain-Python twin of gx_checks.beyond_bounds (for tests and for runs without GX)."""
    return {
        i for i, r in enumerate(results) if r.p_value is not None and (
            r.observed > r.threshold if _direction(thresholds, r) == "above" else r.observed < r.threshold)
    }


def incidents(windows: list[Window], results: list[CheckResult], thresholds: Thresholds) -> list[Incident]:
    """Groups the failures into incidents per metric; marks the explained results' `explained_by`."""
    level = thresholds.settings.false_alarm_rate / max(1, sum(r.p_value is not None for r in results))
    by_window = {(w.grain, w.start): w for w in windows}
    found: dict[tuple, Incident] = {}
    groups: dict[tuple, list[CheckResult]] = defaultdict(list)
    lifted: dict[tuple, list[CheckResult]] = defaultdict(list)
    totals = {(r.grain, r.window_start, r.metric): r.sample_size for r in results if r.dimension == "all"}
    for result in results:
        if result.status == "fail":
            groups[(result.grain, result.window_start, result.metric)].append(result)
        elif result.beyond:
            lifted[(result.grain, result.window_start, result.metric)].append(result)
    for (grain, start, metric), failing in groups.items():
        window = by_window[(grain, start)]
        # a segment holding every call of the window (the only model, say) is "all calls", not a cause
        total = totals.get((grain, start, metric))
        near = lifted[(grain, start, metric)]  # past their threshold but not significant: listed, never causes
        explains = {
            id(c): [s for s in failing + near if s is not c and s.dimension != c.dimension
                    and _explained(window, metric, s, c, thresholds, level)]
            for c in failing if c.dimension != "all" and c.sample_size != total
        }
        remaining = list(failing)
        while remaining:
            candidates = [c for c in remaining if id(c) in explains] or remaining
            cause = max(candidates, key=lambda c: (
                sum(s in remaining for s in explains.get(id(c), [])),
                c.numerator - c.sample_size * (c.threshold or 0),
                -_PRIORITY[c.dimension],
            ))
            dragged = [s for s in explains.get(id(cause), []) if s in remaining or (s in near and s.explained_by is None)]
            for s in dragged:
                s.explained_by = cause.label
            remaining = [r for r in remaining if r is not cause and r not in dragged]
            key = (cause.check, metric, cause.dimension, cause.segment)
            if key in found:  # the same cause in another grain: one incident, the day's numbers first
                incident = found[key]
                incident.also_seen_in += [d for d in dragged if d.label not in {x.label for x in incident.also_seen_in}]
                if grain == "day":
                    incident.cause = cause
            else:
                found[key] = Incident(cause, dragged)
    return _fold_errors(list(found.values()), by_window, thresholds, level)


def _fold_errors(found: list[Incident], by_window: dict, thresholds: Thresholds, level: float) -> list[Incident]:
    """Folds an error_rate incident into the timeout or rate-limit incident of the same segment when
    the errors other than timeouts and rate limits are not significantly beyond the threshold."""
    out = [i for i in found if i.cause.metric != "error_rate"]
    for incident in (i for i in found if i.cause.metric == "error_rate"):
        cause = incident.cause
        host = next((i for i in out if i.cause.metric in ("timeout_rate", "rate_limit_rate")
                     and (i.cause.dimension, i.cause.segment) == (cause.dimension, cause.segment)), None)
        if host is None:
            out.append(incident)
            continue
        window = by_window[(cause.grain, cause.window_start)]
        other = sum(c["failed_calls"] - c["timeouts"] - c["rate_limited_calls"] for c in window.cells
                    if cause.dimension == "all" or c[cause.dimension] == cause.segment)
        if cause.sample_size and other / cause.sample_size > cause.threshold and \
                _p_value(other, cause.sample_size, cause.threshold, "above") <= level:
            out.append(incident)  # errors beyond the timeouts: a cause of their own
        else:
            cause.explained_by = f"{host.cause.metric} on {host.cause.label}"
            host.also_raised.append(cause)
    return out


def _rate_results(window: Window, thresholds: Thresholds) -> list[CheckResult]:
    settings = thresholds.settings
    out = []
    for metric, check in thresholds.checks.items():
        numerator, denominator = RATE_COUNTS[metric]
        for dimension in check.dimensions or settings.dimensions:
            if dimension not in settings.dimensions:
                continue
            totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
            for cell in window.cells:
                segment = "all" if dimension == "all" else cell[dimension]
                totals[segment][0] += cell[numerator]
                totals[segment][1] += cell[denominator]
            for segment, (k, n) in sorted(totals.items()):
                rule = thresholds.for_segment(metric, dimension, segment)
                median, count = window.baselines.get((dimension, segment, metric), (None, 0))
                baseline = median if count >= settings.min_baseline_windows else None
                threshold = rule.threshold(baseline)
                result = CheckResult(
                    check="threshold", metric=metric, grain=window.grain, window_start=window.start,
                    dimension=dimension, segment=segment, severity=rule.severity,
                    observed=(k / n) if n else None, threshold=threshold, baseline=baseline,
                    numerator=k, sample_size=n,
                )
                if n >= rule.min_sample_size and threshold is not None:
                    result.p_value = _p_value(k, n, threshold, rule.direction)
                out.append(result)
    return out


def _explained(window: Window, metric: str, s: CheckResult, c: CheckResult, thresholds: Thresholds, level: float) -> bool:
    """Whether S without C's calls is no longer significantly beyond S's threshold."""
    numerator, denominator = RATE_COUNTS[metric]
    k, n = s.numerator, s.sample_size
    for cell in window.cells:
        in_s = s.dimension == "all" or cell[s.dimension] == s.segment
        if in_s and cell[c.dimension] == c.segment:
            k -= cell[numerator]
            n -= cell[denominator]
    rule = thresholds.for_segment(metric, s.dimension, s.segment)
    if n < rule.min_sample_size:
        return True
    beyond = (k / n > s.threshold) if rule.direction == "above" else (k / n < s.threshold)
    return not (beyond and _p_value(k, n, s.threshold, rule.direction) <= level)


def _p_value(k: int, n: int, threshold: float, direction: str) -> float:
    return binomial_sf(k, n, threshold) if direction == "above" else binomial_cdf(k, n, threshold)


def _direction(thresholds: Thresholds, result: CheckResult) -> str:
    return thresholds.checks[result.metric].direction
