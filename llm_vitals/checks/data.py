"""What the checks read from and write to the database: counts, baselines, exceedances, results."""

from datetime import datetime, timedelta

import duckdb
import pyarrow as pa

from llm_vitals import db
from llm_vitals.checks.detect import Baselines, Bound, CheckResult, Counts, WindowSpec, rate_without
from llm_vitals.checks.thresholds import Thresholds
from llm_vitals.stats import binomial_sf

# the call columns the quantile and mean checks read, one statement each (see sql/check_baseline_calls.sql)
BASELINE_SOURCES = ("latency", "ttft", "tokens", "cost")


def load_counts(con: duckdb.DuckDBPyConnection, windows: list[WindowSpec]) -> tuple[dict[str, Counts], dict[str, Counts]]:
    """Returns, per window name, the rate counts of every segment in the window and in its baseline."""
    ranges = {(w.start, w.end) for w in windows} | {(w.baseline_start, w.baseline_end) for w in windows}
    by_range: dict[tuple, Counts] = {r: {} for r in ranges}
    for row in db.records(con, "check_counts", ranges=[{"range_start": a, "range_end": b} for a, b in sorted(ranges)]):
        by_range[(row.pop("range_start"), row.pop("range_end"))][(row.pop("dimension"), row.pop("segment"))] = row
    return ({w.name: by_range[(w.start, w.end)] for w in windows},
            {w.name: by_range[(w.baseline_start, w.baseline_end)] for w in windows})


def load_baselines(con: duckdb.DuckDBPyConnection, windows: list[WindowSpec]) -> dict[str, Baselines]:
    """Returns, per window name, the quantile and mean baselines of every segment; computes (and
    keeps, in table check_baselines) the ranges not computed yet."""
    ranges = sorted({(w.baseline_start, w.baseline_end) for w in windows})
    wanted = [{"range_start": a, "range_end": b} for a, b in ranges]
    cached = set(db.fetch(con, "check_baselines_cached", ranges=wanted))
    missing = [r for r in ranges if r not in cached]
    if missing:
        with db.transaction(con):
            for start, end in missing:
                for source in BASELINE_SOURCES:
                    db.run(con, "check_baseline_calls", range_start=start, range_end=end, source=source)
                db.run(con, "check_baseline_tasks", range_start=start, range_end=end)
    by_range: dict[tuple, Baselines] = {r: {} for r in ranges}
    for start, end, dimension, segment, metric, value, p90, n in db.fetch(con, "check_baselines_read", ranges=wanted):
        by_range[(start, end)][(dimension, segment, metric)] = (value, p90, n)
    return {w.name: by_range[(w.baseline_start, w.baseline_end)] for w in windows}


def measure(con: duckdb.DuckDBPyConnection, bounds: list[tuple[WindowSpec, Bound]]) -> dict[int, tuple[int, int, float | None]]:
    """Returns, per bound's key, the calls (or tasks) counted in its window, how many exceed the
    bound, and the window's own value: one scan of the windows' union."""
    if not bounds:
        return {}
    rows = db.fetch(con, "check_exceedances", scan_start=min(w.start for w, _ in bounds),
                    scan_end=max(w.end for w, _ in bounds),
                    bounds=[{**vars(b), "range_start": w.start, "range_end": w.end} for w, b in bounds])
    return {key: (n, k, observed) for key, n, k, observed in rows}


class Without:
    """S's events and trials without C's calls, for telling a cause from what it drags along:
    rates from the window's cells, quantiles and means counted again by SQL. Cached per pair."""

    def __init__(self, con: duckdb.DuckDBPyConnection, windows: list[WindowSpec]):
        self._con, self._windows = con, {w.name: w for w in windows}
        self._cells: dict[str, list[dict]] = {}
        self._done: dict[tuple, tuple[int, int]] = {}

    def __call__(self, s: CheckResult, c: CheckResult) -> tuple[int, int]:
        pair = (s.grain, s.metric, s.dimension, s.segment, c.dimension, c.segment)
        if pair not in self._done:
            self._done[pair] = self._rate(s, c) if s.kind == "rate" else self._exceedance(s, c)
        return self._done[pair]

    def _rate(self, s: CheckResult, c: CheckResult) -> tuple[int, int]:
        return rate_without(self._cells_of(s.grain))(s, c)

    def _exceedance(self, s: CheckResult, c: CheckResult) -> tuple[int, int]:
        window = self._windows[s.grain]
        bound = Bound(0, s.metric, s.dimension, s.segment, s.counted, c.dimension, c.segment)
        n, k, _ = measure(self._con, [(window, bound)]).get(0, (0, 0, None))
        return k, n

    def _cells_of(self, name: str) -> list[dict]:
        if name not in self._cells:
            window = self._windows[name]
            self._cells[name] = db.records(self._con, "cells_in_range", range_start=window.start, range_end=window.end,
                                           split_at=window.end)
        return self._cells[name]


class OtherErrors:
    """A result's segment's errors that are neither timeouts nor rate limits, and its calls, in its
    window (counted when an error_rate incident needs them)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, windows: list[WindowSpec]):
        self._con, self._windows = con, {w.name: w for w in windows}
        self._counts: dict[str, Counts] = {}

    def __call__(self, result: CheckResult) -> tuple[int, int]:
        if result.grain not in self._counts:
            self._counts[result.grain] = load_counts(self._con, [self._windows[result.grain]])[0][result.grain]
        sums = self._counts[result.grain].get((result.dimension, result.segment), {})
        other = sums.get("failed_calls", 0) - sums.get("timeouts", 0) - sums.get("rate_limited_calls", 0)
        return other, sums.get("calls", 0)


RESULT_FIELDS = ["check", "metric", "grain", "window_start", "dimension", "segment", "severity", "observed", "threshold",
                 "baseline", "numerator", "sample_size", "p_value", "status", "explained_by", "kind", "window_end",
                 "counted", "beyond"]


def memo(con: duckdb.DuckDBPyConnection, windows: list[WindowSpec], fingerprint: str
         ) -> tuple[dict[str, list[CheckResult]], dict[str, int]]:
    """Returns, of the windows judged before by the same thresholds with nothing new in them or
    their baselines since (a check every 15 minutes judges a day window once), the results that can
    still matter (failing, beyond their threshold, or about an open alert), and how many results
    of each window were tested (its Holm family's size)."""
    rows = db.fetch(con, "check_memo_valid", windows=[{"window_name": w.name, "range_start": w.start, "range_end": w.end,
                                                       "baseline_start": w.baseline_start} for w in windows],
                    fingerprint=fingerprint)
    results: dict[str, list[CheckResult]] = {}
    tested: dict[str, int] = {}
    for window_name, run_id, family in rows:
        records = db.records(con, "check_memo_results", run_id=run_id, window_name=window_name)
        results[window_name] = [CheckResult(**{("check" if k == "check_name" else k): v for k, v in r.items()})
                                for r in records]
        tested[window_name] = family
    return results, tested


def remember(con: duckdb.DuckDBPyConnection, windows: list[WindowSpec], fingerprint: str, run_id: int) -> None:
    """Records that this run judged these windows (inside the run's transaction)."""
    db.run(con, "check_memo_save", fingerprint=fingerprint, run_id=run_id,
           windows=[{"window_name": w.name, "range_start": w.start, "range_end": w.end} for w in windows])


def builtin_results(con: duckdb.DuckDBPyConnection, thresholds: Thresholds, as_of: datetime) -> list[CheckResult]:
    """Returns the freshness and rejected-share checks at as_of."""
    newest, rejected, accepted = db.fetch(con, "check_freshness", as_of=as_of)[0]
    fresh = thresholds.builtin.freshness
    minutes = (as_of - newest).total_seconds() / 60 if newest else None
    freshness = CheckResult(
        check="freshness", metric="minutes_since_last_call", grain="now", window_start=as_of, dimension="all",
        segment="all", severity=fresh.severity, observed=minutes, threshold=fresh.max_minutes_without_requests,
        baseline=None, numerator=0, sample_size=0, kind="builtin",
        status="fail" if minutes is None or minutes > fresh.max_minutes_without_requests else "pass",
    )
    share = thresholds.builtin.rejected_share
    total = rejected + accepted
    rejected_share = CheckResult(
        check="rejected_share", metric="rejected_share", grain="day", window_start=as_of - timedelta(days=1),
        dimension="all", segment="all", severity=share.severity, observed=(rejected / total) if total else None,
        threshold=share.max, baseline=None, numerator=rejected, sample_size=total, kind="builtin",
    )
    if total >= share.min_sample_size:
        rejected_share.p_value = binomial_sf(rejected, total, share.max)
        beyond = rejected / total > share.max
        level = thresholds.settings.false_alarms_per_week / 168  # judged hourly, alone
        rejected_share.status = "fail" if beyond and rejected_share.p_value <= level else "pass"
    return [freshness, rejected_share]


def last_as_of(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """The latest as_of an earlier check run judged (None before the first run)."""
    return db.fetch(con, "check_last_as_of")[0][0]


def store_results(con: duckdb.DuckDBPyConnection, as_of: datetime, results: list[CheckResult], *, look_back: bool) -> int:
    """Appends the run and its results to check_runs and check_results; returns the run id."""
    run_id = db.fetch(con, "check_next_run_id")[0][0]
    db.run(con, "check_record_run", run_id=run_id, as_of=as_of, look_back=look_back)
    table = pa.table({name: [getattr(r, name) for r in results] for name in RESULT_FIELDS})
    con.register("run_results", table)
    try:
        db.run(con, "check_record_results", run_id=run_id, as_of=as_of)
    finally:
        con.unregister("run_results")
    return run_id
