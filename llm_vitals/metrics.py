"""Compute table `metrics` from `requests`: only the windows new batches touched, or all of them."""

import time
from dataclasses import dataclass

import duckdb

from llm_vitals import db
from llm_vitals.metric_names import GRAINS


@dataclass
class MetricsSummary:
    """What one metrics run recomputed."""

    windows: int
    rows: int
    through_batch_id: int
    seconds: float


def compute(con: duckdb.DuckDBPyConnection, *, full: bool = False) -> MetricsSummary:
    """Recomputes the metric windows touched since the last run (all windows when `full`), atomically."""
    started = time.perf_counter()
    since = _state(con, "metrics_through_batch_id")
    through = con.execute("select coalesce(max(batch_id), 0) from requests").fetchone()[0]
    db.run(con, "macros")
    with db.transaction(con):
        full = full or since == 0
        db.run(con, "metrics_windows", since_batch_id=since, full=full)
        con.execute("create or replace temp table metrics_staging as select * from metrics limit 0")
        con.execute(
            "create or replace temp table metric_tails (grain varchar, window_start timestamptz, dimension varchar,"
            " segment varchar, latency_ms_q double[], ttft_ms_q double[])"
        )
        for grain in GRAINS:
            db.run(con, "metrics_tails", grain=grain)
        db.run(con, "metrics_calls")
        db.run(con, "metrics_tasks", full=full)
        windows = con.execute("select count(*) from metric_windows").fetchone()[0]
        rows = con.execute("select count(*) from metrics_staging").fetchone()[0]
        db.run(con, "metrics_replace", through_batch_id=max(through, since))
    return MetricsSummary(windows, rows, max(through, since), time.perf_counter() - started)


def _state(con: duckdb.DuckDBPyConnection, name: str) -> int:
    row = con.execute("select value from pipeline_state where name = ?", [name]).fetchone()
    return row[0] if row else 0
