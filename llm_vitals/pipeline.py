"""The pipeline's steps as plain functions: the CLI and the Prefect tasks both call these."""

import sys

from llm_vitals import db, ingest, metrics
from llm_vitals.settings import Settings


def ingest_sources(settings: Settings, sources: list[str] | None = None) -> ingest.IngestSummary:
    """Ingests the sources (default: settings.source) into settings.db as one batch."""
    files = ingest.discover(sources if sources is not None else settings.source)
    con = _connect(settings)
    try:
        return ingest.ingest(
            con, files, store_free_text=settings.store_free_text, max_line_bytes=settings.max_line_bytes
        )
    finally:
        con.close()


def compute_metrics(settings: Settings, *, full: bool = False) -> metrics.MetricsSummary:
    """Recomputes the metric windows of settings.db that new data touched (all when full)."""
    con = _connect(settings)
    try:
        return metrics.compute(con, full=full)
    finally:
        con.close()


def _connect(settings: Settings):
    con = db.connect(settings.db, threads=settings.threads, memory_limit=settings.memory_limit)
    # DuckDB draws its own progress bar for long statements; only on a terminal.
    con.execute(f"set enable_progress_bar = {'true' if sys.stderr.isatty() else 'false'}")
    return con
