"""The monitor flow: ingest new request logs, then recompute the metrics they touched."""

from prefect import flow

from llm_vitals.metrics import MetricsSummary
from llm_vitals.settings import Settings
from llm_vitals.tasks.ingest import ingest_logs
from llm_vitals.tasks.metrics import compute_metrics


@flow(name="monitor", log_prints=True)
def monitor(sources: list[str] | None = None, db: str | None = None, full_metrics: bool = False) -> MetricsSummary:
    """Runs ingest then metrics; settings come from LLM_VITALS_* unless given here."""
    overrides = {name: value for name, value in {"db": db, "source": sources}.items() if value is not None}
    settings = Settings(**overrides)
    ingest_logs(settings)
    return compute_metrics(settings, full=full_metrics)
