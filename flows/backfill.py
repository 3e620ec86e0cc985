"""The backfill flow: re-ingest a time range from the sources and recompute it, idempotently."""

from datetime import datetime

from prefect import flow

from llm_vitals.settings import Settings
from llm_vitals.tasks.ingest import backfill_range
from llm_vitals.tasks.metrics import publish_read_copy


@flow(name="backfill", log_prints=True)
def backfill(start: datetime, end: datetime, sources: list[str] | None = None) -> int:
    """Replaces the calls in [start, end) with what the sources (default: LLM_VITALS_SOURCE) hold now
    and recomputes every window of the range; running it again changes nothing. Returns the batch id.
    The database and every other setting come from the worker's environment."""
    settings = Settings(**({"source": sources} if sources is not None else {}))
    ingested, _ = backfill_range(settings, start, end)
    publish_read_copy(settings)
    return ingested.batch_id
