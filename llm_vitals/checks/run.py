"""One check run's judgement, from the database to incidents: windows, counts, baselines, tests,
Great Expectations' bounds, Holm per window, grouping, budgets, SLOs and the built-in checks.

A window judged by an earlier run, by the same thresholds, with nothing new in it or its baseline
since, is not judged again: its results stand (a check every 15 minutes judges a day window once,
and the hourly run costs what the new hour costs)."""

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from llm_vitals import db
from llm_vitals.checks import data as check_data
from llm_vitals.checks import detect
from llm_vitals.checks.detect import CheckResult, Incident, WindowSpec
from llm_vitals.checks.thresholds import Thresholds

# how windows are judged, beside the thresholds: a window judged by other rules is judged again
# (2: the weekly budget spent alike on every test, no longer split equally by window)
JUDGED_BY = "2"


@dataclass
class Judgement:
    """What one run found: every result, the incidents, the windows it tested and judged afresh."""

    results: list[CheckResult]
    new: list[CheckResult]  # the results judged by this run (stored under it)
    incidents: list[Incident]
    windows: list[WindowSpec]
    judged: list[WindowSpec]  # the windows not taken from an earlier run
    fingerprint: str
    slo_counts: list = field(default_factory=list)  # slo_burn.Counts of each SLO segment


def judge(con: duckdb.DuckDBPyConnection, thresholds: Thresholds, as_of: datetime, *, great_expectations: bool,
          docs_dir: Path | None = None, slos=None) -> Judgement:
    """Judges the windows before as_of; returns the results and the incidents they make."""
    db.run(con, "macros")
    windows = detect.plan_windows(as_of, thresholds.settings.windows, thresholds.settings.baseline_days)
    fingerprint = hashlib.sha256((JUDGED_BY + thresholds.model_dump_json()).encode()).hexdigest()[:16]
    remembered, tested = check_data.memo(con, windows, fingerprint)
    history_start = db.fetch(con, "check_history_start")[0][0]
    fresh = [detect.with_history(w, history_start, thresholds.settings.min_baseline_days)
             for w in windows if w.name not in remembered]
    new = _fresh_results(con, fresh, thresholds, great_expectations, docs_dir, windows, tested)
    results = new + [r for w in windows for r in remembered.get(w.name, [])]
    without, other_errors = check_data.Without(con, windows), check_data.OtherErrors(con, windows)
    found = detect.incidents(results, windows, thresholds, without, other_errors, tested=tested)
    open_keys = {tuple(row[1:5]) for row in db.fetch(con, "alerts_open_list")}
    resolved = {tuple(key.split("\x1f")): at for key, at in db.fetch(con, "alerts_last_resolved")}
    detect.join_open(found, open_keys, without, other_errors, thresholds,
                     detect.per_test_levels(results, windows, thresholds, tested), resolved, results=results)
    extra = check_data.builtin_results(con, thresholds, as_of)
    if thresholds.budgets:
        from llm_vitals.checks import budgets

        extra += budgets.results(con, thresholds.budgets, as_of)
    slo_counts = []
    if slos:
        from llm_vitals.checks import slo_burn

        slo_counts = slo_burn.counts(con, slos, as_of)
        extra += slo_burn.results(slo_counts, slos, as_of)
    found += [Incident(r) for r in extra if r.status == "fail" and not r.explained_by]
    return Judgement(results + extra, new + extra, found, windows, fresh, fingerprint, slo_counts)


def _fresh_results(con, windows: list[WindowSpec], thresholds: Thresholds, great_expectations: bool,
                   docs_dir: Path | None, every_window: list[WindowSpec], tested: dict[str, int]) -> list[CheckResult]:
    if not windows:
        return []
    counts, baseline_counts = check_data.load_counts(con, windows)
    results: list[CheckResult] = []
    for window in windows:
        results += detect.rate_results(window, counts[window.name], baseline_counts[window.name], thresholds)
    if any(not isinstance(c, detect.RateCheck) for c in thresholds.checks.values()):
        baselines = check_data.load_baselines(con, windows)
        planned = []
        for window in windows:
            segments = detect.distinct_segments(counts[window.name], baseline_counts[window.name])
            bounds, about = detect.exceedance_bounds(window, baselines[window.name], thresholds, segments,
                                                     first_key=len(planned))
            planned += [(window, bound, about[bound.key]) for bound in bounds]
        measured = check_data.measure(con, [(window, bound) for window, bound, _ in planned])
        for window in windows:
            about = {bound.key: facts for w, bound, facts in planned if w is window}
            results += detect.exceedance_results(window, about, measured)
    if great_expectations:
        from llm_vitals.checks import gx

        beyond = gx.beyond_bounds(results, thresholds, docs_dir)
    else:
        beyond = detect.beyond_bounds(results, thresholds)
    detect.judge(results, beyond, every_window, thresholds, tested)
    return results
