"""Compute table `metrics` from `requests`: only the windows new batches touched, or all of them."""

import time
from dataclasses import dataclass
from datetime import datetime

import duckdb

from llm_vitals import db
from llm_vitals.metric_names import GRAINS

CALLS_PER_TASK_PARTITION = 2_500_000  # task facts are aggregated this many calls at a time, to bound memory
# What the kept tables (metric_cells, metric_task_cells, metric_week_tails) hold; a file whose
# layout is older is recomputed in full once, so that every hour has them.
LAYOUT = 2


@dataclass
class MetricsSummary:
    """What one metrics run recomputed."""

    windows: int
    rows: int
    through_batch_id: int
    seconds: float


def compute(
    con: duckdb.DuckDBPyConnection, *, full: bool = False, also: tuple[datetime, datetime] | None = None,
    weeks_ended_by: datetime | None = None,
) -> MetricsSummary:
    """Recomputes the metric windows touched since the last run (all windows when `full`), and every
    window overlapping the range `also` (a backfill, which may have removed calls), atomically.
    With `weeks_ended_by`, the weeks ended by then whose latency and TTFT quantiles do not cover all
    their calls yet are recomputed too (a digest's week must be complete; README "Metric definitions")."""
    started = time.perf_counter()
    since = _state(con, "metrics_through_batch_id")
    through = db.fetch(con, "metrics_through")[0][0]
    db.run(con, "macros")
    with db.transaction(con):
        full = full or since == 0 or _state(con, "metrics_layout") != LAYOUT
        db.run(con, "metrics_windows", since_batch_id=since, full=full,
               range_start=also[0] if also else None, range_end=also[1] if also else None,
               weeks_ended_by=weeks_ended_by)
        db.run(con, "metrics_staging")
        for grain in GRAINS:
            db.run(con, "metrics_tails", grain=grain)
        db.run(con, "metrics_cells")
        db.run(con, "metrics_calls")
        parts = _task_partitions(con)
        for part in range(parts):
            db.run(con, "metrics_task_facts", full=full, part=part, parts=parts)
        db.run(con, "metrics_tasks")
        windows, rows = db.fetch(con, "metrics_staged")[0]
        db.run(con, "metrics_replace", through_batch_id=max(through, since), layout=LAYOUT)
    return MetricsSummary(windows, rows, max(through, since), time.perf_counter() - started)


def _task_partitions(con: duckdb.DuckDBPyConnection) -> int:
    """Returns how many hash partitions of task_id keep one task aggregation within memory."""
    calls = db.fetch(con, "metrics_window_calls")[0][0]
    return max(1, -(-calls // CALLS_PER_TASK_PARTITION))


def _state(con: duckdb.DuckDBPyConnection, name: str) -> int:
    rows = db.fetch(con, "pipeline_state_value", state_name=name)
    return rows[0][0] if rows else 0
