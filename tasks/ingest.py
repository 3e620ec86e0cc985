"""Task: ingest the configured sources as one batch."""

from prefect import task
from prefect.cache_policies import NO_CACHE

from llm_vitals import pipeline, report
from llm_vitals.ingest import IngestSummary
from llm_vitals.settings import Settings
from llm_vitals.tasks.retry import transient_only


@task(name="ingest-logs", retries=3, retry_delay_seconds=[5, 30, 120], retry_condition_fn=transient_only,
      cache_policy=NO_CACHE, log_prints=True)
def ingest_logs(settings: Settings, sources: list[str] | None = None) -> IngestSummary:
    """Returns the batch summary; a bad record is rejected, never an error."""
    summary = pipeline.ingest_sources(settings, sources)
    print(report.ingest_text(summary))
    return summary
