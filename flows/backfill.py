"""The backfill flow: re-ingest a time range from the sources and recompute it, idempotently."""

from datetime import datetime

from prefect import flow

from llm_vitals.settings import Settings
from llm_vitals.tasks.ingest import backfill_range
from llm_vitals.tasks.metrics import publish_read_copy


@flow(name="backfill", log_prints=True)
def backfill(start: datetime, end: datetime, sources: list[str] | None = None, db: str | None = None) -> int:
    """Replaces the calls in [start, end) with what the sources hold now and recomputes every window
    of the range; running it again changes nothing. Returns the batch id."""
    overrides = {name: value for name, value in {"db": db, "source": sources}.items() if value is not None}
    settings = Settings(**overrides)
    ingested, _ = backfill_range(settings, start, end)
    publish_read_copy(settings)
    return ingested.batch_id
