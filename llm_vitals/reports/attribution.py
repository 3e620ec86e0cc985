"""Change attribution: which prompt, model, release or config change explains a regression, judged
hour by hour, like with like.

A regression is a count-based rate in one segment, this week against last. Its hourly cells (the
segment's calls per hour and per value of every version dimension, two weeks of them) are read:

1. *When.* The excess is localised in time: of every run of consecutive hours, the one whose own
   rate stands out most from last week's (the largest log-likelihood ratio, a scan statistic) is
   the incident.
2. *Which change could have caused it.* A version first seen this week (a rollout at time R) is a
   candidate. It is judged like with like:
   - against the calls that did *not* get it in the same hours (the concurrent control), with the
     control's rate taken model by model (or route by route, for a model) and weighted by the
     candidate's own mix, so a version that happens to run on a worse model is not blamed;
   - against the same segment before R (before and after), with the same mix weighting;
   - in time: the excess must start at the rollout (within 6 hours), and persist where the change
     runs: a candidate whose calls after the incident hours are back to normal (significantly
     below its rate in them, and not above before) is not the cause
     of an excess confined to hours it spans on both sides.
   A candidate worse than its concurrent control and than before, and not confined, is a cause.
   One that carries nearly all the calls of the hours it runs (95 %) has no concurrent control: if
   the excess begins at R and persists while it runs, and before-and-after alone is strong evidence
   (p <= alpha squared), it is the likely cause, with that caveat; if not, it is not the cause.
3. *Ranked by evidence.* The cause with the smallest p-value is named, with the numbers behind it
   (its rate against the control's in the same hours, before and after, calls); a runner-up is
   named only when its p-value is within a factor of 10 and it is of the same kind (a caveated
   cause always ranks below one with a control, and is never the runner-up of one).
4. *When it cannot tell.* No cause: if traffic moved toward values that were already worse while
   none got worse, a mix shift; else "not explained by a version change", naming where the excess
   concentrates (the most specific value that carries most of it) and its hours.

Quantile metrics (latency p95) fit the same test: the count is the calls above last week's p95 of
the segment, which was 5 % of them by definition.
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from llm_vitals.formatting import percent
from llm_vitals.stats import binomial_cdf, binomial_sf

VERSION_DIMENSIONS = ("prompt_version", "model", "release", "retrieval_config", "tool_schema_version", "temperature")
PLACES = ("model", "route", "tenant", "prompt_version", "release", "retrieval_config", "tool_schema_version", "temperature")
HOUR = timedelta(hours=1)
ROLLOUT_SLACK = timedelta(hours=6)  # how far the excess may start from a rollout and still be its
NO_CONTROL_SHARE = 0.95  # a rollout carrying this share of the calls in its hours has no concurrent control


@dataclass(frozen=True)
class Cell:
    """One hour's calls of the regressed segment with one combination of values: events k of n."""

    hour: datetime
    values: dict[str, str]  # dimension -> value ('' when absent), for VERSION_DIMENSIONS and PLACES
    k: int
    n: int


@dataclass(frozen=True)
class Evidence:
    """The numbers behind a named cause."""

    rate: float  # the candidate's rate from its rollout
    calls: int
    control_rate: float | None  # the calls without it in the same hours, weighted by its mix (None: no control)
    control_calls: int
    before_rate: float | None  # the segment before the rollout, weighted by its mix
    p_value: float


@dataclass(frozen=True)
class Attribution:
    """What explains a regression: kind is version, mix_shift, not_version_related or unexplained."""

    kind: str
    dimension: str | None = None
    values: tuple[str, ...] = ()
    text: str = ""
    evidence: Evidence | None = None
    caveat: str | None = None  # e.g. no concurrent control
    runner_up: str | None = None
    hours: tuple[datetime, datetime] | None = None  # when the excess ran


@dataclass
class _Candidate:
    dimension: str
    value: str
    rollout: datetime
    evidence: Evidence
    caveat: str | None = None
    notes: list[str] = field(default_factory=list)


def attribute(metric: str, label: str, cells: list[Cell], week_start: datetime, rollouts: dict[tuple[str, str], datetime],
              *, dimension: str = "all", alpha: float = 1e-3, min_calls: int = 30) -> Attribution:
    """Returns the attribution of `metric` rising in the segment `label` (of `dimension`) this week."""
    before = [c for c in cells if c.hour < week_start]
    now = [c for c in cells if c.hour >= week_start]
    k0, n0 = sum(c.k for c in before), sum(c.n for c in before)
    k1, n1 = sum(c.k for c in now), sum(c.n for c in now)
    if not n0 or not n1:
        return Attribution("unexplained", text=f"{label}: {metric}: no calls to compare.")
    p0 = k0 / n0
    start, end = _excess_run(now, p0)
    head = f"{label}: {metric} {percent(p0)} → {percent(k1 / n1)}"
    candidates = []
    for (d, v), rollout in sorted(rollouts.items(), key=lambda item: item[1]):
        if d == dimension or not week_start <= rollout:
            continue
        found = _judge(cells, d, v, rollout, (start, end), p0, alpha, min_calls)
        if found is not None:
            candidates.append(found)
    candidates = _nested(candidates, cells, alpha, min_calls)
    if candidates:
        candidates.sort(key=lambda c: (c.caveat is not None, c.evidence.p_value))
        best = candidates[0]
        runner = next((c for c in candidates[1:] if (c.caveat is None) == (best.caveat is None)
                       and c.evidence.p_value <= best.evidence.p_value * 10 and c.dimension != best.dimension), None)
        text = f"{head}; {_cause_text(best)}" + (f" Runner-up: {_short(runner)}." if runner else "")
        return Attribution("version", best.dimension, (best.value,), text, best.evidence, best.caveat,
                           _short(runner) if runner else None, (start, end))
    shift = _mix_shift(cells, week_start, alpha, dimension)
    if shift is not None:
        d, grew, shares = shift
        return Attribution("mix_shift", d, grew, f"{head} from traffic moving, not from any {d} getting worse: {shares}.")
    hours = _span(start, end)
    place = _concentration(now, p0, (start, end), dimension)
    if place is not None:
        d, v, rate_in, rate_out, share = place
        return Attribution("not_version_related", d, (v,), (
            f"{head}; not explained by a version change: it concentrates in {d} {v}, {hours}"
            f" ({percent(rate_in)} there against {percent(rate_out)} in its other hours; {min(share, 1.0):.0%} of the excess)."),
            hours=(start, end))
    return Attribution("not_version_related", text=f"{head}; not explained by a version change: {hours},"
                       " across every value alike.", hours=(start, end))


def _excess_run(cells: list[Cell], p0: float) -> tuple[datetime, datetime]:
    """The run of consecutive hours whose rate stands out most from p0: the interval that
    maximises the log-likelihood ratio of its own rate against p0 (a scan statistic), so quiet
    hours with an odd event do not stretch it."""
    by_hour: dict[datetime, list[int]] = defaultdict(lambda: [0, 0])
    for c in cells:
        by_hour[c.hour][0] += c.k
        by_hour[c.hour][1] += c.n
    if not by_hour:
        return datetime.min, datetime.min
    first, last = min(by_hour), max(by_hour)
    hours = [first + i * HOUR for i in range(int((last - first) / HOUR) + 1)]
    ks, ns = [0], [0]
    for hour in hours:
        ks.append(ks[-1] + by_hour.get(hour, [0, 0])[0])
        ns.append(ns[-1] + by_hour.get(hour, [0, 0])[1])
    best, span = 0.0, (0, len(hours))
    for i in range(len(hours)):
        for j in range(i + 1, len(hours) + 1):
            k, n = ks[j] - ks[i], ns[j] - ns[i]
            if n and k / n > p0:
                score = _llr(k, n, p0)
                if score > best:
                    best, span = score, (i, j)
    return hours[span[0]], hours[span[1] - 1] + HOUR


def _llr(k: int, n: int, p0: float) -> float:
    """The log-likelihood ratio of rate k/n against p0 for k events of n."""
    q = k / n
    if p0 <= 0:
        return float("inf") if k else 0.0
    inside = k * math.log(q / p0) if k else 0.0
    outside = (n - k) * math.log((1 - q) / (1 - p0)) if n > k else 0.0
    return inside + outside


def _judge(cells: list[Cell], d: str, v: str, rollout: datetime, run: tuple[datetime, datetime], p0: float,
           alpha: float, min_calls: int) -> _Candidate | None:
    """A rollout judged like with like; None when it is not a cause. p0 is the segment's rate last week."""
    hour = rollout.replace(minute=0, second=0, microsecond=0)
    after = [c for c in cells if c.hour >= hour]
    mine = [c for c in after if c.values.get(d) == v]
    running = {c.hour for c in mine}
    others = [c for c in after if c.values.get(d) != v and c.hour in running]  # beside it, in the same hours
    calls = sum(c.n for c in mine)
    if calls < min_calls:
        return None
    events = sum(c.k for c in mine)
    strata = ("route",) if d == "model" else ("route", "model")
    before = [c for c in cells if c.hour < hour]
    before_rate = _weighted(mine, before, strata)
    p_before = 1.0 if before_rate is None else _worse_p(events, calls, before_rate, before)
    if p_before > alpha:
        return None  # no worse than the segment was before it
    share = calls / max(1, calls + sum(c.n for c in others))  # of the calls in the hours it ran
    start, end = run
    # the excess starts with it: the run starts near the rollout, or earlier only by hours whose own
    # rate is no more than last week's (the scan statistic stretches a run over quiet hours at low traffic)
    early = [c for c in cells if start <= c.hour < hour]
    begins_with_it = abs(start - hour) <= ROLLOUT_SLACK or (
        start < hour and not _significant(sum(c.k for c in early), sum(c.n for c in early), p0, 0.01))
    later = [c for c in mine if c.hour >= end]
    later_calls, later_events = sum(c.n for c in later), sum(c.k for c in later)
    during = [c for c in mine if start <= c.hour < end]
    during_rate = sum(c.k for c in during) / max(1, sum(c.n for c in during))
    # back to normal after the incident hours: clearly below its rate in them, and not above before
    confined = later_calls >= min_calls and not _significant(later_events, later_calls, before_rate, alpha) \
        and binomial_cdf(later_events, later_calls, during_rate) <= 0.01
    if share >= NO_CONTROL_SHARE:
        if not begins_with_it or confined:
            return None  # the excess did not start with it, or ended while it still ran
        if p_before > alpha ** 2:
            return None  # without a control, before-and-after must carry the case alone: much stronger evidence
        return _Candidate(d, v, rollout, Evidence(events / calls, calls, None, 0, before_rate, p_before),
                          caveat=f"it carries {share:.0%} of the calls in the hours it ran, so nothing ran beside it to compare")
    control_calls = sum(c.n for c in others)
    control_rate = _weighted(mine, others, strata)
    if control_calls < min_calls or control_rate is None:
        return None
    p = _worse_p(events, calls, control_rate, others)
    if p > alpha or events / calls <= control_rate or confined:
        return None  # no worse than what ran beside it, or its later calls are fine
    return _Candidate(d, v, rollout, Evidence(events / calls, calls, control_rate, control_calls, before_rate, p))


def _worse_p(k: int, n: int, rate: float, reference: list[Cell]) -> float:
    """How surprising k events in n calls are if their true rate were the reference's: the larger
    of two exact p-values, so both must be small. One is against `rate` (the reference's rate
    weighted by the candidate's mix) as if known; the other, the conditional two-sample test, knows
    the reference rate was itself counted from few calls: given the k + k_ref events of both, the
    candidate's share of them is binomial with its share of the calls. A reference with 0 events
    in 100 calls does not make 2 events in 100 significant."""
    k_ref, n_ref = sum(c.k for c in reference), sum(c.n for c in reference)
    one = binomial_sf(k, n, max(rate, 1e-9)) if k / n > rate else 1.0
    two = binomial_sf(k, k + k_ref, n / (n + n_ref)) if n_ref else 1.0
    return max(one, two)


def _nested(found: list[_Candidate], cells: list[Cell], alpha: float, min_calls: int) -> list[_Candidate]:
    """Drops a candidate whose calls are normal wherever a later change is absent and elevated where
    it is: a release that reached every call on Monday is not the cause of the excess of a prompt
    version rolled out under it on Wednesday (the release's calls without the prompt are fine)."""
    kept = []
    for c in found:
        hour = c.rollout.replace(minute=0, second=0, microsecond=0)
        mine = [x for x in cells if x.hour >= hour and x.values.get(c.dimension) == c.value]
        innocent = False
        for later in found:
            if later.rollout <= c.rollout or later.dimension == c.dimension:
                continue
            without = [x for x in mine if x.values.get(later.dimension) != later.value]
            with_it = [x for x in mine if x.values.get(later.dimension) == later.value]
            n_out, k_out = sum(x.n for x in without), sum(x.k for x in without)
            n_in, k_in = sum(x.n for x in with_it), sum(x.k for x in with_it)
            innocent = innocent or (n_out >= min_calls and n_in > 0
                                    and not _significant(k_out, n_out, c.evidence.before_rate, alpha)
                                    and binomial_cdf(k_out, n_out, k_in / n_in) <= 0.01)
        if not innocent:
            kept.append(c)
    return kept


def _weighted(mine: list[Cell], reference: list[Cell], strata: tuple[str, ...]) -> float | None:
    """The reference's rate, stratum by stratum (route and model, or route alone for a model),
    weighted by `mine`'s calls in each: what `mine` would have shown with the reference's rates and
    its own mix. A stratum with fewer than 30 reference calls falls back to the coarser one (the
    route alone), then to the reference's overall rate."""
    levels = [strata[:i] for i in range(len(strata), 0, -1)]
    refs: list[dict[tuple[str, ...], list[int]]] = []
    for level in levels:
        ref: dict[tuple[str, ...], list[int]] = defaultdict(lambda: [0, 0])
        for c in reference:
            key = tuple(c.values.get(s, "") for s in level)
            ref[key][0] += c.k
            ref[key][1] += c.n
        refs.append(ref)
    total_k, total_n = sum(c.k for c in reference), sum(c.n for c in reference)
    if not total_n:
        return None
    overall = total_k / total_n
    weights: dict[tuple[str, ...], int] = defaultdict(int)
    for c in mine:
        weights[tuple(c.values.get(s, "") for s in strata)] += c.n
    n = sum(weights.values())
    if not n:
        return None

    def rate(key: tuple[str, ...]) -> float:
        for level, ref in zip(levels, refs):
            k, m = ref.get(key[:len(level)], (0, 0))
            if m >= 30:
                return k / m
        return overall

    return sum(w * rate(key) for key, w in weights.items()) / n


def _significant(k: int, n: int, rate: float, alpha: float) -> bool:
    return n > 0 and k / n > rate and binomial_sf(k, n, max(rate, 1e-9)) <= alpha


def _mix_shift(cells: list[Cell], week_start: datetime, alpha: float, own: str) -> tuple[str, tuple[str, ...], str] | None:
    """A dimension whose values kept their rates while traffic moved toward the worse ones."""
    for d in VERSION_DIMENSIONS:
        if d == own:
            continue
        weeks: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # k_now, n_now, k_before, n_before
        for c in cells:
            offset = 0 if c.hour >= week_start else 2
            weeks[c.values.get(d, "")][offset] += c.k
            weeks[c.values.get(d, "")][offset + 1] += c.n
        known = {v: w for v, w in weeks.items() if w[1] >= 30 and w[3] >= 30}
        if len(known) < 2 or any(_significant(w[0], w[1], w[2] / w[3], alpha) for w in known.values()):
            continue
        n_now, n_before = sum(w[1] for w in weeks.values()), sum(w[3] for w in weeks.values())
        k_now, k_before = sum(w[0] for w in weeks.values()), sum(w[2] for w in weeks.values())
        rise = k_now - n_now * (k_before / n_before)
        mix = sum((w[1] / n_now - w[3] / n_before) * (w[2] / w[3]) for w in known.values()) * n_now
        if rise <= 0 or mix < 0.8 * rise:
            continue
        rate_before = k_before / n_before
        grew = sorted(v for v, w in known.items() if w[1] / n_now > w[3] / n_before and w[2] / w[3] > rate_before)
        if grew:
            shares = ", ".join(f"{v} {percent(known[v][3] / n_before)} → {percent(known[v][1] / n_now)} of calls"
                               f" (at {percent(known[v][2] / known[v][3])})" for v in grew)
            return d, tuple(grew), shares
    return None


def _concentration(now: list[Cell], p0: float, run: tuple[datetime, datetime], own: str
                   ) -> tuple[str, str, float, float, float] | None:
    """Where the excess of the run concentrates: the value (of any dimension but the segment's
    own) that carries at least 80 % of it with the fewest calls; with its rate in the run's hours
    and in its other hours of the week."""
    inside = [c for c in now if run[0] <= c.hour < run[1]]
    excess = sum(c.k - c.n * p0 for c in inside)
    if excess <= 0:
        return None
    best = None
    for d in PLACES:
        if d == own:
            continue
        by_value: dict[str, list[float]] = defaultdict(lambda: [0.0, 0, 0])
        for c in inside:
            entry = by_value[c.values.get(d, "")]
            entry[0] += c.k - c.n * p0
            entry[1] += c.k
            entry[2] += c.n
        values = {v: e for v, e in by_value.items() if v}
        if len(values) < 2:
            continue  # one value holds every call: it says nothing about where
        calls = sum(e[2] for e in values.values())
        for v, (ex, k, n) in values.items():
            # it must carry most of the excess, with a minority of the calls: a value on nearly every
            # call (a release that went everywhere) says nothing about where
            if ex >= 0.8 * excess and n and n <= 0.8 * calls and (best is None or n < best[0]):
                outside = [c for c in now if c.values.get(d) == v and not run[0] <= c.hour < run[1]]
                out_n = sum(c.n for c in outside)
                best = (n, d, v, k / n, sum(c.k for c in outside) / out_n if out_n else 0.0, ex / excess)
    return best[1:] if best else None


def _span(start: datetime, end: datetime) -> str:
    """Hours as a person reads them: one date when the span ends on the day it starts."""
    if start.date() == end.date():
        return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M} UTC"
    return f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M} UTC"


def _cause_text(c: _Candidate) -> str:
    e = c.evidence
    rolled = f"{c.dimension} {c.value} (rolled out {c.rollout:%Y-%m-%d %H:%M} UTC)"
    if e.control_rate is None:
        return (f"likely cause {rolled}: {percent(e.rate)} of {e.calls:,} calls from its rollout against {percent(e.before_rate)}"
                f" before it; {c.caveat}.")
    return (f"{rolled}: {percent(e.rate)} of {e.calls:,} calls against {percent(e.control_rate)} of the {e.control_calls:,}"
            f" calls without it in the same hours, and {percent(e.before_rate)} before it (mix-weighted; p = {e.p_value:.1e}).")


def _short(c: _Candidate | None) -> str | None:
    if c is None:
        return None
    return f"{c.dimension} {c.value} {percent(c.evidence.rate)} (p = {c.evidence.p_value:.1e})"
