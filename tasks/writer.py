"""One writer at a time: DuckDB lets a single process write the database file, so every task that
writes holds the one slot of Prefect's global concurrency limit `llm-vitals-db-writer` meanwhile.
Task runs in parallel, flow runs on other workers and other deployments queue for it on the Prefect
server instead of failing on the file's lock."""

from collections.abc import Iterator
from contextlib import contextmanager

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from prefect.concurrency.sync import concurrency
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

WRITER_LIMIT = "llm-vitals-db-writer"


@contextmanager
def single_writer() -> Iterator[None]:
    """Holds the writer slot (created with one slot the first time) for the duration of the block."""
    _ensure_limit()
    with concurrency(WRITER_LIMIT, occupy=1, strict=True):
        yield


def _ensure_limit() -> None:
    with get_client(sync_client=True) as client:
        try:
            client.read_global_concurrency_limit_by_name(WRITER_LIMIT)
        except ObjectNotFound:
            try:
                client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=WRITER_LIMIT, limit=1))
            except ObjectAlreadyExists:
                pass  # another run created it first
