"""Checks on trailing windows, and the grouping of failures into incidents (one cause, one alert).

Every check is a count with a test that knows its sample size:
- a rate: beyond when the window's k events of n trials are above a threshold t drawn from the
  segment's pooled baseline p0 (the tighter of an absolute bound and max(ratio x p0, p0 +
  min_increase)); significant by the exact binomial test of k against the baseline with room for
  day-to-day noise, max(p0 x noise_margin, p0 + min_increase / 4), never above t;
- a quantile (latency p95, p99, TTFT p95): the window's q-quantile is above a bound B exactly when
  more than a share 1 - q of its calls are slower than B; under "the true quantile is at most B"
  the calls slower than B are at most Binomial(n, 1 - q): the exact binomial test;
- a mean (tokens, cost per call, cost per successful task): beyond when the window's mean is above
  its bound, and significant when more calls (tasks) than the 10 % expected exceed the baseline's
  90th percentile: a sign test, which a few huge calls cannot move the way they move a mean.

Each window (the last hour, 6 hours, day, 3 days) is one family, controlled by Holm's step-down.
The weekly false-alarm budget is spent alike on every test a week makes: a week's tests are each
window's tests in one run times how many times a week the window moves on (an hour window 168
times, a day window 28), one test's level is `false_alarms_per_week` over that count, and a
window's family level is that times its tests: the expected number of false alarms in a week
stays under `false_alarms_per_week`, and a window with many segments (the day) gets the share its
tests need instead of a quarter.

Failures are then grouped per window and metric: a failing segment C *explains* a failing segment
S (of another dimension) when S without C's calls is no longer significant. The segment that
explains the most others opens the incident; those it explains are listed in it, not alerted. When
all calls fail and no single segment explains them, the rise is everywhere: all calls is the
cause, and every segment it lifts is listed in that one incident.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from llm_vitals.checks.thresholds import QUANTILES, RATE_COUNTS, WINDOWS, QuantileCheck, RateCheck, Thresholds
from llm_vitals.formatting import segment_label
from llm_vitals.stats import binomial_sf, holm

_PRIORITY = {"route": 0, "model": 1, "tenant": 2, "prompt_version": 3, "all": 4}
EXCEEDANCE_SHARE = 0.10  # the means' sign test: the share of single values above the baseline's p90
_WEEK = timedelta(days=7)


@dataclass
class CheckResult:
    """One metric of one segment in one window, as judged."""

    check: str
    metric: str
    grain: str  # the window: hour, 6h, day, 3d (or now/day/period for built-ins)
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
    kind: str = "rate"  # rate, quantile, mean, budget, slo, builtin
    window_end: datetime | None = None
    counted: float | None = None  # quantiles and means: the value the window's calls were counted above

    @property
    def label(self) -> str:
        return segment_label(self.dimension, self.segment)

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.check, self.metric, self.dimension, self.segment)


@dataclass
class Incident:
    """A failing segment that no other failing segment explains, with what it drags along."""

    cause: CheckResult
    also_seen_in: list[CheckResult] = field(default_factory=list)  # segments it lifts past their thresholds
    also_raised: list[CheckResult] = field(default_factory=list)  # other metrics it moves (error_rate by timeouts)
    joins: tuple[str, str, str, str] | None = None  # the open alert that covers this cause, or the resolved one it echoes

    @property
    def key(self) -> tuple[str, str, str, str]:
        return self.cause.key


@dataclass(frozen=True)
class WindowSpec:
    """A trailing window a run tests, [start, end), and its baseline, the days before it."""

    name: str
    start: datetime
    end: datetime
    baseline_start: datetime
    baseline_end: datetime

    @property
    def evaluations_per_week(self) -> float:
        return _WEEK / WINDOWS[self.name][1]


def plan_windows(as_of: datetime, names: list[str], baseline_days: int) -> list[WindowSpec]:
    """Returns the last complete window of each name before as_of: it ends on the latest multiple
    of its step (UTC) at or before as_of; its baseline is the baseline_days before the day it starts."""
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    out = []
    for name in names:
        length, step = WINDOWS[name]
        end = epoch + ((as_of - epoch) // step) * step
        start = end - length
        baseline_end = start.replace(hour=0, minute=0, second=0, microsecond=0)
        out.append(WindowSpec(name, start, end, baseline_end - timedelta(days=baseline_days), baseline_end))
    return out


def with_history(window: WindowSpec, history_start: datetime | None, min_days: int) -> WindowSpec:
    """The window with no baseline (an empty range) when the data began less than min_days before
    its baseline ends: one or two days cannot show a segment's day-to-day noise, so a young
    deployment is judged by the absolute bounds alone."""
    if history_start is None or window.baseline_end - max(history_start, window.baseline_start) >= timedelta(days=min_days):
        return window
    return replace(window, baseline_start=window.baseline_end)


def family_sizes(results: list[CheckResult], windows: list[WindowSpec], tested: dict[str, int] | None = None
                 ) -> dict[str, int]:
    """How many tests each window's family holds: `tested` for a window taken from an earlier run
    (only its results that can still matter are given), else its results with a p-value."""
    tested = tested or {}
    return {w.name: tested.get(w.name) or sum(r.p_value is not None and r.grain == w.name for r in results)
            for w in windows}


def family_levels(windows: list[WindowSpec], sizes: dict[str, int], thresholds: Thresholds) -> dict[str, float]:
    """The family-wise false-alarm level of one run's tests of each window: the weekly budget spent
    alike on every test of a week (each window's tests in this run, times the runs a week in which
    it moves on), so a window's level is one test's level times its tests."""
    weekly = sum(w.evaluations_per_week * sizes.get(w.name, 0) for w in windows)
    per_test = thresholds.settings.false_alarms_per_week / weekly if weekly else 0.0
    return {w.name: per_test * sizes.get(w.name, 0) for w in windows}


Counts = dict[tuple[str, str], dict[str, int]]  # (dimension, segment) -> column sums


_DIMENSION_ORDER = {"all": 0, "route": 1, "model": 2, "prompt_version": 3, "tenant": 4}


def distinct_segments(counts: Counts, baseline: Counts) -> list[tuple[str, str]]:
    """The segments of the window that are not the very same calls as a segment of an earlier
    dimension (all, route, model, prompt version, tenant): a prompt version only one route uses, or
    the one tenant of a deployment, has the earlier segment's counts in the window and in its
    baseline alike, and is tested once, as that segment."""
    seen: dict[tuple, str] = {}  # signature -> the dimension that has it (segments of one dimension never share calls)
    out = []
    for key in sorted(counts, key=lambda k: (_DIMENSION_ORDER.get(k[0], 9), k[1])):
        signature = (tuple(sorted(counts[key].items())), tuple(sorted(baseline.get(key, {}).items())))
        if seen.get(signature, key[0]) == key[0]:
            seen.setdefault(signature, key[0])
            out.append(key)
    return out


def rate_results(window: WindowSpec, counts: Counts, baseline: Counts, thresholds: Thresholds) -> list[CheckResult]:
    """Returns every rate check of the window's distinct segments, with its p-value where there is
    enough data."""
    settings = thresholds.settings
    out = []
    segments = distinct_segments(counts, baseline)
    for metric, check in thresholds.rate_checks().items():
        numerator, denominator = RATE_COUNTS[metric]
        for dimension, segment in segments:
            sums = counts[(dimension, segment)]
            if dimension not in (check.dimensions or settings.dimensions) or dimension not in settings.dimensions:
                continue
            rule = thresholds.for_segment(metric, dimension, segment)
            k, n = sums.get(numerator, 0), sums.get(denominator, 0)
            before = baseline.get((dimension, segment), {})
            k0, n0 = before.get(numerator, 0), before.get(denominator, 0)
            p0 = k0 / n0 if n0 >= settings.min_baseline_calls else None
            threshold = rule.threshold(p0)
            result = CheckResult(
                check="threshold", metric=metric, grain=window.name, window_start=window.start, window_end=window.end,
                dimension=dimension, segment=segment, severity=rule.severity,
                observed=(k / n) if n else None, threshold=threshold, baseline=p0, numerator=k, sample_size=n,
            )
            if n >= rule.min_sample_size and threshold is not None:
                result.p_value = rate_p_value(k, n, rule, rule.null_rate(p0, threshold, settings.noise_margin))
            out.append(result)
    return out


def rate_p_value(k: int, n: int, rule: RateCheck, null: float) -> float:
    """The p-value of "the window's event rate is at most `null`" (a below check's events are its
    failures): the exact binomial tail. A check fails only when the rate is beyond its threshold
    too: the test says the rise is real, the threshold that it matters."""
    if rule.direction == "below":
        return binomial_sf(n - k, n, null)
    return binomial_sf(k, n, null)


@dataclass(frozen=True)
class Bound:
    """What a quantile or mean check of one segment counts in a window: values above `bound`
    (the quantile's bound, or the baseline's p90 for a mean), optionally without one other
    segment's calls."""

    key: int
    metric: str
    dimension: str
    segment: str
    bound: float
    exclude_dimension: str | None = None
    exclude_segment: str | None = None


Baselines = dict[tuple[str, str, str], tuple[float | None, float | None, int]]  # (dim, seg, metric) -> (value, p90, n)


def exceedance_bounds(window: WindowSpec, baselines: Baselines, thresholds: Thresholds,
                      segments: list[tuple[str, str]], *, first_key: int = 0) -> tuple[list[Bound], dict[int, tuple]]:
    """Returns the bounds the window's quantile and mean checks count against, and for each bound's
    key its (metric, dimension, segment, rule, threshold, baseline, counted bound). A segment needs a
    baseline."""
    bounds, about = [], {}
    settings = thresholds.settings
    for metric, check in sorted(thresholds.checks.items()):
        if isinstance(check, RateCheck):
            continue
        for dimension, segment in segments:
            if dimension not in (check.dimensions or settings.dimensions) or dimension not in settings.dimensions:
                continue
            if metric == "cost_per_successful_task_usd" and dimension not in ("all", "route", "tenant"):
                continue
            value, p90, n0 = baselines.get((dimension, segment, metric), (None, None, 0))
            rule = thresholds.for_segment(metric, dimension, segment)
            base = value if n0 >= settings.min_baseline_calls else None
            threshold = rule.threshold(base)
            if threshold is None:
                continue
            counted = threshold if isinstance(rule, QuantileCheck) else (p90 if base is not None else None)
            if counted is None:
                continue
            key = first_key + len(bounds)
            bounds.append(Bound(key, metric, dimension, segment, counted))
            about[key] = (metric, dimension, segment, rule, threshold, base, counted)
    return bounds, about


def exceedance_results(window: WindowSpec, about: dict[int, tuple], measured: dict[int, tuple[int, int, float | None]]
                       ) -> list[CheckResult]:
    """Returns the quantile and mean checks of the window from what check_exceedances.sql counted."""
    out = []
    for key, (metric, dimension, segment, rule, threshold, base, counted) in about.items():
        n, k, observed = measured.get(key, (0, 0, None))
        result = CheckResult(
            check="threshold", metric=metric, grain=window.name, window_start=window.start, window_end=window.end,
            dimension=dimension, segment=segment, severity=rule.severity, observed=observed, threshold=threshold,
            baseline=base, numerator=k, sample_size=n, kind="quantile" if isinstance(rule, QuantileCheck) else "mean",
            counted=counted,
        )
        if n >= rule.min_sample_size and observed is not None:
            result.p_value = binomial_sf(k, n, exceedance_share(metric))
        out.append(result)
    return out


def exceedance_share(metric: str) -> float:
    """The share of values above the counted bound when nothing changed: 1 - q for a quantile's
    bound, 10 % for the baseline's p90 of a mean."""
    return 1.0 - QUANTILES[metric][1] if metric in QUANTILES else EXCEEDANCE_SHARE


def judge(results: list[CheckResult], beyond: set[int], windows: list[WindowSpec], thresholds: Thresholds,
          tested: dict[str, int] | None = None) -> None:
    """Sets each tested result's status: fail when it is beyond its bound (`beyond`: indexes into
    results, from Great Expectations) and significant after Holm's correction within its window's
    family at that window's level; else pass. `tested` gives the family sizes of windows taken from
    an earlier run, whose share of the budget the level depends on."""
    levels = family_levels(windows, family_sizes(results, windows, tested), thresholds)
    by_window: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(results):
        if r.p_value is not None and r.grain in levels:
            by_window[r.grain].append(i)
    for name, tested in by_window.items():
        rejected = holm([results[i].p_value for i in tested], levels[name])
        for i, significant in zip(tested, rejected):
            results[i].beyond = i in beyond
            results[i].status = "fail" if significant and i in beyond else "pass"


def beyond_bounds(results: list[CheckResult], thresholds: Thresholds) -> set[int]:
    """The plain-Python twin of gx_checks.beyond_bounds (for tests and for runs without GX)."""
    return {i for i, r in enumerate(results) if r.p_value is not None and _beyond(r, thresholds)}


def _beyond(result: CheckResult, thresholds: Thresholds) -> bool:
    check = thresholds.checks[result.metric]
    below = isinstance(check, RateCheck) and check.direction == "below"
    return result.observed < result.threshold if below else result.observed > result.threshold


# (result S, cause C) -> (k, n) of S's events and trials without C's calls
Without = Callable[[CheckResult, CheckResult], tuple[int, int]]


def incidents(results: list[CheckResult], windows: list[WindowSpec], thresholds: Thresholds, without: Without,
              other_errors: Callable[[CheckResult], tuple[int, int]], *, tested: dict[str, int] | None = None
              ) -> list[Incident]:
    """Groups the failures into incidents per window and metric (one incident per cause across
    windows); marks the explained results' `explained_by`. `tested` gives the Holm family size of
    windows whose results are only partly given (those taken from an earlier run)."""
    levels = per_test_levels(results, windows, thresholds, tested)
    found: dict[tuple, Incident] = {}
    groups: dict[tuple, list[CheckResult]] = defaultdict(list)
    lifted: dict[tuple, list[CheckResult]] = defaultdict(list)
    totals = {(r.grain, r.metric): r.sample_size for r in results if r.dimension == "all"}
    for result in results:
        if result.status == "fail":
            groups[(result.grain, result.metric)].append(result)
        elif result.beyond:
            lifted[(result.grain, result.metric)].append(result)
    order = {w.name: i for i, w in enumerate(windows)}
    for (grain, metric), failing in sorted(groups.items(), key=lambda item: order.get(item[0][0], 9)):
        level = levels.get(grain, 0.0)
        total = totals.get((grain, metric))
        # a segment that holds every call (the only model, no tenants) is all calls again: left out
        failing = [r for r in failing if r.dimension == "all" or r.sample_size != total]
        near = [r for r in lifted[(grain, metric)] if r.dimension == "all" or r.sample_size != total]
        everywhere = next((r for r in failing if r.dimension == "all"), None)
        # a failing segment is C's when it is not significant without C's calls; a near one (beyond,
        # not significant) when it is not beyond without them: one with no calls in common stays out
        explains = {
            id(c): [s for s in failing + near if s is not c and s.dimension != c.dimension
                    and _carried(s, c, without, thresholds, level)]
            for c in failing if c.dimension != "all"
        }
        if everywhere is not None and not any(_explained(everywhere, c, without, thresholds, level)
                                               for c in failing if id(c) in explains):
            # no single segment explains all calls: the rise is everywhere, one incident for it
            explains = {id(everywhere): [s for s in failing + near if s is not everywhere]}
        remaining = list(failing)
        while remaining:
            candidates = [c for c in remaining if id(c) in explains] or remaining
            cause = max(candidates, key=lambda c: (
                sum(s in remaining for s in explains.get(id(c), [])),
                c.numerator - c.sample_size * (c.threshold or 0) if c.kind == "rate" else c.numerator,
                -_PRIORITY[c.dimension],
            ))
            dragged = [s for s in explains.get(id(cause), []) if s in remaining or (s in near and s.explained_by is None)]
            for s in dragged:
                s.explained_by = cause.label
            remaining = [r for r in remaining if r is not cause and r not in dragged]
            if cause.key in found:  # the same cause in another window: one incident, the shortest window's numbers
                incident = found[cause.key]
                incident.also_seen_in += [d for d in dragged if d.label not in {x.label for x in incident.also_seen_in}]
            else:
                found[cause.key] = Incident(cause, dragged)
    merged = _across_windows(list(found.values()), results)
    return _fold_related(_fold_errors(merged, other_errors, levels), without, thresholds, levels)


def per_test_levels(results: list[CheckResult], windows: list[WindowSpec], thresholds: Thresholds,
                tested: dict[str, int] | None = None) -> dict[str, float]:
    """The Bonferroni level of one test of each window (its family's level over its family's size):
    what a re-test without another segment's calls must reach to stay significant."""
    sizes = family_sizes(results, windows, tested)
    levels = family_levels(windows, sizes, thresholds)
    return {w.name: levels[w.name] / max(1, sizes[w.name]) for w in windows}


def join_open(found: list[Incident], open_keys: set[tuple[str, str, str, str]], without: Without,
              other_errors: Callable[[CheckResult], tuple[int, int]], thresholds: Thresholds,
              levels: dict[str, float], resolved: dict[tuple[str, str, str, str], datetime] | None = None, *,
              results: list[CheckResult] | None = None) -> None:
    """One cause, one alert across runs: sets `joins` on each incident whose cause an open alert
    already covers, or an alert that resolved after the incident's window began (its echo). That
    alert's metric is the incident's own or one it moves with either way (error_rate with
    timeouts, p99 with p95, cost per call with tokens per call), and it names the same segment, or
    all calls where the incident names a segment or the other way round, or a segment without
    whose calls the incident's segment is no longer significant (a route's cost without the calls
    of the model whose cost alert is open), or, of the same metric, a segment whose rise in the
    incident's window is the incident's calls': it fails and is no longer significant without them,
    or it is beyond its threshold and no longer beyond without them (a tenant's parser alert,
    opened before the route all its failures came from was significant). `results` gives this
    run's results, for that last test."""
    resolved = resolved or {}
    seen = {(r.grain, r.key): r for r in results or []}
    for incident in found:
        if incident.key not in open_keys:
            covering = open_keys | {k for k, at in resolved.items() if incident.cause.window_start < at}
            incident.joins = _open_host(incident.cause, covering, without, other_errors, thresholds,
                                        levels.get(incident.cause.grain, 0.0), seen)


def _open_host(cause: CheckResult, open_keys: set[tuple[str, str, str, str]], without: Without,
               other_errors: Callable[[CheckResult], tuple[int, int]], thresholds: Thresholds, level: float,
               seen: dict[tuple, CheckResult]) -> tuple[str, str, str, str] | None:
    hosts = (cause.metric, *_FOLLOWS.get(cause.metric, ()), *_LEADS.get(cause.metric, ()),
             *(("timeout_rate", "rate_limit_rate") if cause.metric == "error_rate" else ()))
    for key in sorted(k for k in open_keys if k[0] == cause.check and k[1] in hosts):
        _check, metric, dimension, segment = key
        if cause.metric == "error_rate" and metric != "error_rate" and _errors_of_their_own(cause, other_errors, level):
            continue
        if (dimension, segment) == (cause.dimension, cause.segment):
            return key
        if metric == cause.metric and "all" in (dimension, cause.dimension):
            return key
        if dimension not in (cause.dimension, "all") and _explained(
                cause, replace(cause, dimension=dimension, segment=segment), without, thresholds, level):
            return key
        host = seen.get((cause.grain, key)) if metric == cause.metric else None
        if (host is not None and dimension not in (cause.dimension, "all")
                and _carried(host, cause, without, thresholds, level)):
            return key
    return None


def _errors_of_their_own(cause: CheckResult, other_errors: Callable[[CheckResult], tuple[int, int]],
                         level: float) -> bool:
    """Whether an error_rate result's errors other than timeouts and rate limits are significantly
    beyond its threshold on their own."""
    other, n = other_errors(cause)
    return bool(n) and other / n > cause.threshold and binomial_sf(other, n, cause.threshold) <= level


# a metric that moves with another on the same calls: (host, follower) — one cause, one alert
_FOLLOWS = {"latency_p99_ms": ("latency_p95_ms",), "ttft_p95_ms": ("latency_p95_ms", "latency_p99_ms"),
            "cost_per_request_usd": ("tokens_per_request",),
            "cost_per_successful_task_usd": ("cost_per_request_usd", "tokens_per_request")}
# the other way round: a host's followers (an open p99 alert covers a new p95 incident, too)
_LEADS = {host: tuple(f for f, hosts in _FOLLOWS.items() if host in hosts) for hs in _FOLLOWS.values() for host in hs}


def _across_windows(found: list[Incident], results: list[CheckResult]) -> list[Incident]:
    """One incident per cause across windows: an incident whose cause another window shows as
    explained by another incident's cause (of the same metric), or that names all calls while
    another names a segment, joins that incident."""
    explained = {(r.grain, r.key): r.explained_by for r in results if r.explained_by}
    host: dict[int, Incident] = {}
    for a in found:
        for b in found:
            if b is a or (b.cause.check, b.cause.metric) != (a.cause.check, a.cause.metric) or id(b) in host:
                continue
            if (a.cause.dimension == "all" and b.cause.dimension != "all") or any(
                    explained.get((r.grain, a.key)) == b.cause.label for r in results if r.key == b.key):
                host[id(a)] = b
                break
    out = []
    for incident in found:
        root, seen = incident, set()
        while id(root) in host and id(root) not in seen:
            seen.add(id(root))
            root = host[id(root)]
        if root is incident:
            out.append(incident)
            continue
        incident.cause.explained_by = root.cause.label
        root.also_seen_in += [r for r in [incident.cause, *incident.also_seen_in]
                              if r.label not in {x.label for x in root.also_seen_in} and r.label != root.cause.label]
    return out


def _fold_related(found: list[Incident], without: Without, thresholds: Thresholds, levels: dict[str, float]
                  ) -> list[Incident]:
    """Folds an incident of a metric that moves with another (latency p99 with p95, cost per call
    with tokens per call) into that metric's incident: of the same segment, or of a segment whose
    calls explain it (the p99 of a route without the calls of the slow model)."""
    out = []
    for incident in sorted(found, key=lambda i: i.cause.metric in _FOLLOWS):
        cause = incident.cause
        hosts = [h for h in out if h.cause.metric in _FOLLOWS.get(cause.metric, ())]
        host = next((h for h in hosts if (h.cause.dimension, h.cause.segment) == (cause.dimension, cause.segment)), None)
        if host is None:
            host = next((h for h in hosts if h.cause.dimension not in (cause.dimension, "all")
                         and _explained(cause, h.cause, without, thresholds, levels.get(cause.grain, 0.0))), None)
        if host is None:
            out.append(incident)
            continue
        cause.explained_by = f"{host.cause.metric} on {host.cause.label}"
        host.also_raised.append(cause)
        host.also_seen_in += [r for r in incident.also_seen_in if r.label not in {x.label for x in host.also_seen_in}]
    return out


def _fold_errors(found: list[Incident], other_errors: Callable[[CheckResult], tuple[int, int]],
                 levels: dict[str, float]) -> list[Incident]:
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
        if _errors_of_their_own(cause, other_errors, levels.get(cause.grain, 0.0)):
            out.append(incident)  # errors beyond the timeouts: a cause of their own
        else:
            cause.explained_by = f"{host.cause.metric} on {host.cause.label}"
            host.also_raised.append(cause)
    return out


def _explained(s: CheckResult, c: CheckResult, without: Without, thresholds: Thresholds, level: float) -> bool:
    """Whether S without C's calls is no longer significantly beyond S's threshold."""
    rest = _without_c(s, c, without, thresholds)
    return rest is None or not (rest[0] and rest[1] <= level)


def _carried(s: CheckResult, c: CheckResult, without: Without, thresholds: Thresholds, level: float) -> bool:
    """Whether S's rise is C's: S fails and is no longer significant without C's calls, or S is
    beyond its threshold (not significantly) and no longer beyond without C's calls."""
    if s.status == "fail":
        return _explained(s, c, without, thresholds, level)
    rest = _without_c(s, c, without, thresholds)
    return s.beyond and (rest is None or not rest[0])


def _without_c(s: CheckResult, c: CheckResult, without: Without, thresholds: Thresholds) -> tuple[bool, float] | None:
    """S without C's calls: whether it is beyond S's threshold, and its p-value (None: too few calls)."""
    k, n = without(s, c)
    rule = thresholds.for_segment(s.metric, s.dimension, s.segment)
    if n < rule.min_sample_size:
        return None
    if s.kind == "rate":
        below = isinstance(rule, RateCheck) and rule.direction == "below"
        beyond = (k / n < s.threshold) if below else (k / n > s.threshold)
        return beyond, binomial_sf(n - k, n, 1 - s.threshold) if below else binomial_sf(k, n, s.threshold)
    return k / n > exceedance_share(s.metric), binomial_sf(k, n, exceedance_share(s.metric))


def rate_without(cells: list[dict]) -> Callable[[CheckResult, CheckResult], tuple[int, int]]:
    """S's events and trials without C's calls, from the cells (count columns per route, model,
    prompt version and tenant) of S's window."""
    def without(s: CheckResult, c: CheckResult) -> tuple[int, int]:
        numerator, denominator = RATE_COUNTS[s.metric]
        k, n = s.numerator, s.sample_size
        for cell in cells:
            if (s.dimension == "all" or cell[s.dimension] == s.segment) and cell[c.dimension] == c.segment:
                k -= cell[numerator]
                n -= cell[denominator]
        return k, n
    return without
