"""Tasks: ingest sources as one batch; backfill a range."""

from datetime import datetime

from prefect import task
from prefect.cache_policies import NO_CACHE

from llm_vitals import pipeline, report
from llm_vitals.ingest import IngestSummary
from llm_vitals.metrics import MetricsSummary
from llm_vitals.settings import Settings
from llm_vitals.tasks.retry import transient_only
from llm_vitals.tasks.writer import single_writer


@task(name="ingest-logs", retries=3, retry_delay_seconds=[5, 30, 120], retry_condition_fn=transient_only,
      timeout_seconds=2 * 3600, cache_policy=NO_CACHE, log_prints=True)
def ingest_logs(settings: Settings, sources: list[str] | None = None) -> IngestSummary:
    """Returns the batch summary; a bad record is rejected, never an error."""
    with single_writer():
        summary = pipeline.ingest_sources(settings, sources)
    print(report.ingest_text(summary))
    return summary


@task(name="ingest-source", retries=3, retry_delay_seconds=[5, 30, 120], retry_condition_fn=transient_only,
      timeout_seconds=2 * 3600, cache_policy=NO_CACHE, log_prints=True)
def ingest_source(settings: Settings, name: str) -> IngestSummary:
    """Ingests one named source of the sources file (a table: page by page, each page a batch)."""
    with single_writer():
        summary = pipeline.ingest_named(settings, name)
    print(f"{name}: " + report.ingest_text(summary))
    return summary


@task(name="backfill-range", retries=3, retry_delay_seconds=[5, 30, 120], retry_condition_fn=transient_only,
      timeout_seconds=4 * 3600, cache_policy=NO_CACHE, log_prints=True)
def backfill_range(settings: Settings, start: datetime, end: datetime,
                   sources: list[str] | None = None) -> tuple[IngestSummary, MetricsSummary]:
    """Re-ingests [start, end) from the sources and recomputes it, in one writer slot."""
    with single_writer():
        ingested, computed = pipeline.backfill(settings, start, end, sources)
    print(report.ingest_text(ingested))
    print(report.metrics_text(computed))
    return ingested, computed
