"""The monitor flow: ingest new request logs, recompute the metrics they touched, check, alert,
and publish the read copy analysts query."""

from datetime import datetime

from prefect import flow

from llm_vitals import sequences
from llm_vitals.ingest import IngestSummary, merge, source_config
from llm_vitals.pipeline import CheckSummary
from llm_vitals.sequences import MonitorSteps
from llm_vitals.settings import Settings
from llm_vitals.tasks.alerts import send_alerts
from llm_vitals.tasks.checks import run_checks
from llm_vitals.tasks.ingest import ingest_logs, ingest_source
from llm_vitals.tasks.metrics import compute_metrics, publish_read_copy


@flow(name="monitor", log_prints=True)
def monitor(
    sources: list[str] | None = None,
    db: str | None = None,
    full_metrics: bool = False,
    as_of: datetime | None = None,
) -> CheckSummary:
    """Runs ingest, metrics, checks and alerts (llm_vitals.sequences.monitor, as `llm-vitals
    monitor` does); settings come from LLM_VITALS_* unless given here. Each source is ingested by
    its own task run, submitted together; they take turns writing."""
    overrides = {name: value for name, value in {"db": db, "source": sources}.items() if value is not None}
    settings = Settings(**overrides)
    steps = MonitorSteps(ingest=_ingest_each_source, metrics=lambda s, full: compute_metrics(s, full=full),
                         check=run_checks, deliver=send_alerts, publish=publish_read_copy)
    return sequences.monitor(settings, steps, as_of=as_of, full_metrics=full_metrics).checked


def _ingest_each_source(settings: Settings) -> IngestSummary:
    """One task run per source (of LLM_VITALS_SOURCE, else of the sources file), submitted together."""
    if settings.sources_file and not settings.source:
        futures = [ingest_source.submit(settings, entry.name) for entry in source_config.load(settings.sources_file)]
    else:
        futures = [ingest_logs.submit(settings, [source]) for source in settings.source] or [ingest_logs.submit(settings)]
    return merge([future.result() for future in futures])
