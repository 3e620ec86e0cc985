"""Change attribution: which prompt, model, release or config change explains a regression.

A regression is a count-based rate in one segment, this week against last. The segment's calls are
split by each version dimension. Each version is tested against its own rate last week, or against
the segment's when it is new this week (a rollout: the only kind of version *change*):
  - new versions that got worse carry the rise: name them, with when they rolled out (when several
    rollouts each carry it, the one with the fewest calls: the most specific);
  - no version got worse, but traffic moved toward versions that were already worse: a mix shift;
  - versions that were already there got worse: not version-related, naming where it concentrates
    (one model degrading; an outage that spans prompt versions).
Quantile metrics (latency p95) fit the same test: the count is the calls above last week's p95 of
the segment, which was 5 % of them by definition.
"""

from dataclasses import dataclass
from datetime import datetime

from llm_vitals.stats import binomial_sf

VERSION_DIMENSIONS = ("prompt_version", "model", "release", "retrieval_config", "tool_schema_version", "temperature")


@dataclass(frozen=True)
class Split:
    """One version value's counts in the regressed segment: events k of n, this week and last."""

    dimension: str
    value: str
    k_now: int
    n_now: int
    k_before: int
    n_before: int
    first_seen: datetime | None = None


@dataclass(frozen=True)
class Attribution:
    """What explains a regression: kind is version, mix_shift, not_version_related or unexplained."""

    kind: str
    dimension: str | None = None
    values: tuple[str, ...] = ()
    text: str = ""


def attribute(
    metric: str,
    segment: str,
    k_now: int,
    n_now: int,
    k_before: int,
    n_before: int,
    splits: list[Split],
    *,
    alpha: float = 1e-3,
    min_calls: int = 30,
    carried_share: float = 0.8,
) -> Attribution:
    """Returns the attribution of `metric` rising in `segment` from k_before/n_before to k_now/n_now."""
    if not n_now or not n_before:
        return Attribution("unexplained", text="no calls to compare")
    before, now = k_before / n_before, k_now / n_now
    rise = k_now - n_now * before  # events this week beyond last week's rate
    by_dimension: dict[str, list[Split]] = {}
    for split in splits:
        by_dimension.setdefault(split.dimension, []).append(split)
    best: tuple[float, str, list[Split]] | None = None
    alike, concentrations = [], []
    for dimension in sorted(by_dimension, key=VERSION_DIMENSIONS.index):
        values = [s for s in by_dimension[dimension] if s.n_now >= min_calls]
        if len(values) == 1 and values[0].n_before:
            continue  # one version, already there last week: nothing to contrast it with
        worse = [s for s in values if _worse(s, before, alpha)]
        changed = [s for s in worse if s.n_before < min_calls]  # new this week: a rollout
        unchanged = [s for s in worse if s not in changed]
        if unchanged:
            # versions that did not change got worse: whatever happened is not a version change
            held = [s for s in values if s not in worse]
            if held:
                concentrations.append((sum(s.n_now for s in unchanged) / n_now, dimension, unchanged, held))
            alike.append(dimension)
            continue
        if changed and rise > 0:
            excess = sum(s.k_now - s.n_now * before for s in changed)
            calls = sum(s.n_now for s in changed)
            # of the rollouts that carry the rise, the most specific (fewest calls) explains it: a
            # release on every route also carries the calls of a prompt version rolled out inside it
            if excess >= carried_share * rise and (best is None or (calls, -excess) < best[0]):
                best = ((calls, -excess), dimension, changed)
    if best is not None:
        _, dimension, worse = best
        others = [s for s in by_dimension[dimension] if s not in worse]
        return Attribution("version", dimension, tuple(s.value for s in worse), _version_text(metric, segment, before, now, dimension, worse, others))
    for dimension in sorted(by_dimension, key=VERSION_DIMENSIONS.index):
        shift = _mix_shift(by_dimension[dimension], n_now, n_before, rise, carried_share, alpha)
        if shift is not None:
            return Attribution("mix_shift", dimension, shift, _mix_text(metric, segment, before, now, dimension, by_dimension[dimension], shift, n_now, n_before))
    if concentrations:  # the most specific place it concentrates: the smallest share of the calls
        _, dimension, unchanged, held = min(concentrations, key=lambda c: (c[0], VERSION_DIMENSIONS.index(c[1])))
        named = ", ".join(f"{s.value} {_pct(s.k_now / s.n_now)}" for s in unchanged)
        rest = ", ".join(f"{s.value} {_pct(s.k_now / s.n_now)}" for s in held)
        return Attribution("not_version_related", dimension, tuple(s.value for s in unchanged), (
            f"{segment}: {metric} {_pct(before)} → {_pct(now)}; not a version change: {dimension} {named}"
            f" got worse while {rest} held."))
    if alike:
        return Attribution("not_version_related", alike[0], text=(
            f"{segment}: {metric} {_pct(before)} → {_pct(now)} across every {alike[0]} alike: not version-related."))
    return Attribution("unexplained", text=f"{segment}: {metric} {_pct(before)} → {_pct(now)}; no version change explains it.")


def _rate_before(split: Split, segment_before: float) -> float:
    """A version's own rate last week, or the segment's when it is new (or too small last week)."""
    return split.k_before / split.n_before if split.n_before >= 30 else segment_before


def _worse(split: Split, segment_before: float, alpha: float) -> bool:
    reference = _rate_before(split, segment_before)
    return split.k_now / split.n_now > reference and binomial_sf(split.k_now, split.n_now, max(reference, 1e-9)) <= alpha


def _mix_shift(splits: list[Split], n_now: int, n_before: int, rise: float, carried_share: float,
               alpha: float) -> tuple[str, ...] | None:
    """The values whose growing share explains the rise when no value's own rate moved; else None."""
    known = [s for s in splits if s.n_before >= 30 and s.n_now >= 30]
    # with calls last week, _worse compares each value with its own rate: none may have got worse
    if len(known) < 2 or rise <= 0 or any(_worse(s, 0.0, alpha) for s in known):
        return None
    segment_before = sum(s.k_before for s in known) / max(1, sum(s.n_before for s in known))
    mix_effect = sum((s.n_now / n_now - s.n_before / n_before) * (s.k_before / s.n_before) for s in known) * n_now
    if mix_effect < carried_share * rise:
        return None
    grew = [s for s in known if s.n_now / n_now > s.n_before / n_before and s.k_before / s.n_before > segment_before]
    return tuple(s.value for s in grew) or None


def _version_text(metric, segment, before, now, dimension, worse, others) -> str:
    named = "; ".join(
        f"{s.value} {_pct(s.k_now / s.n_now)}" + (f" (rolled out {s.first_seen:%Y-%m-%d})" if s.first_seen and not s.n_before else "")
        for s in worse)
    rest = ", ".join(f"{s.value} {_pct(s.k_now / s.n_now)}" for s in others if s.n_now) or "no other"
    return f"{segment}: {metric} {_pct(before)} → {_pct(now)}; {dimension} {named} vs {rest}."


def _mix_text(metric, segment, before, now, dimension, splits, grew, n_now, n_before) -> str:
    shares = ", ".join(
        f"{s.value} {_pct(s.n_before / n_before)} → {_pct(s.n_now / n_now)} of calls (at {_pct(s.k_before / s.n_before)})"
        for s in splits if s.value in grew)
    return (f"{segment}: {metric} {_pct(before)} → {_pct(now)} from traffic moving, not from any {dimension} getting "
            f"worse: {shares}.")


def _pct(rate: float) -> str:
    return f"{100 * rate:.1f}%"
