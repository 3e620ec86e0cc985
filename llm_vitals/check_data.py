"""What the checks read from and write to the database: windows, baselines, built-ins, results."""

from datetime import datetime, timedelta

import duckdb
import pyarrow as pa

from llm_vitals import db
from llm_vitals.checks import CheckResult, Window
from llm_vitals.stats import binomial_sf
from llm_vitals.thresholds import Thresholds

_GRAIN_LENGTH = {"hour": timedelta(hours=1), "day": timedelta(days=1)}


def last_complete_window(as_of: datetime, grain: str) -> datetime:
    """Returns the start of the last hour or day (UTC) that ended at or before as_of."""
    floor = as_of.replace(minute=0, second=0, microsecond=0)
    if grain == "day":
        floor = floor.replace(hour=0)
    return floor - _GRAIN_LENGTH[grain]


def load_windows(con: duckdb.DuckDBPyConnection, thresholds: Thresholds, as_of: datetime) -> list[Window]:
    """Returns the last complete window of each checked grain with its cells and baselines."""
    windows = []
    metrics = sorted(thresholds.checks)
    for grain in thresholds.settings.grains:
        start = last_complete_window(as_of, grain)
        end = start + _GRAIN_LENGTH[grain]
        cells = db.records(con, "cells_in_range", range_start=start, range_end=end, split_at=end)
        baselines = {
            (dimension, segment, metric): (baseline, count)
            for dimension, segment, metric, baseline, count in db.fetch(
                con, "check_baselines", grain=grain, window_start=start,
                baseline_days=thresholds.settings.baseline_days, metrics=metrics,
            )
        }
        windows.append(Window(grain, start, cells, baselines))
    return windows


def builtin_results(con: duckdb.DuckDBPyConnection, thresholds: Thresholds, as_of: datetime) -> list[CheckResult]:
    """Returns the freshness and rejected-share checks at as_of."""
    newest, rejected, accepted = db.fetch(con, "check_freshness", as_of=as_of)[0]
    fresh = thresholds.builtin.freshness
    minutes = (as_of - newest).total_seconds() / 60 if newest else None
    freshness = CheckResult(
        check="freshness", metric="minutes_since_last_call", grain="now", window_start=as_of, dimension="all",
        segment="all", severity=fresh.severity, observed=minutes, threshold=fresh.max_minutes_without_requests,
        baseline=None, numerator=0, sample_size=0,
        status="fail" if minutes is None or minutes > fresh.max_minutes_without_requests else "pass",
    )
    share = thresholds.builtin.rejected_share
    total = rejected + accepted
    rejected_share = CheckResult(
        check="rejected_share", metric="rejected_share", grain="day", window_start=as_of - timedelta(days=1),
        dimension="all", segment="all", severity=share.severity, observed=(rejected / total) if total else None,
        threshold=share.max, baseline=None, numerator=rejected, sample_size=total,
    )
    if total >= share.min_sample_size:
        rejected_share.p_value = binomial_sf(rejected, total, share.max)
        beyond = rejected / total > share.max
        rejected_share.status = "fail" if beyond and rejected_share.p_value <= thresholds.settings.false_alarm_rate else "pass"
    return [freshness, rejected_share]


def store_results(con: duckdb.DuckDBPyConnection, as_of: datetime, results: list[CheckResult]) -> int:
    """Appends the run's results to check_results; returns the run id."""
    run_id = con.execute("select coalesce(max(run_id), 0) + 1 from check_results").fetchall()[0][0]
    fields = ["check", "metric", "grain", "window_start", "dimension", "segment", "severity", "observed",
              "threshold", "baseline", "numerator", "sample_size", "p_value", "status", "explained_by"]
    table = pa.table({name: [getattr(r, name) for r in results] for name in fields})
    con.register("run_results", table)
    try:
        con.execute(
            "insert into check_results select ?, ?, \"check\", metric, grain, window_start, dimension, segment,"
            " severity, observed, threshold, baseline, numerator, sample_size, p_value, status, explained_by"
            " from run_results", [run_id, as_of])
    finally:
        con.unregister("run_results")
    return run_id
