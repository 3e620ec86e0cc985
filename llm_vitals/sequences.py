"""The pipeline's sequences, one function each, behind both front doors.

The CLI passes the plain functions of llm_vitals.pipeline as the steps; the flows pass their Prefect
tasks (retries, timeouts, one writer at a time). The order of the steps and when each one runs are
decided here, once, so `llm-vitals monitor` and the monitor flow cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the types only: the CLI imports this module and should start fast
    from llm_vitals.ingest import IngestSummary
    from llm_vitals.metrics import MetricsSummary
    from llm_vitals.pipeline import CheckSummary
    from llm_vitals.settings import Settings
    from llm_vitals.slack import DeliveryReport


@dataclass(frozen=True)
class MonitorSteps:
    """How each step of a monitor run is carried out."""

    ingest: Callable[[Settings], IngestSummary]
    metrics: Callable[[Settings, bool], MetricsSummary]
    check: Callable[[Settings, datetime | None], CheckSummary]
    deliver: Callable[[Settings], DeliveryReport | None]
    publish: Callable[[Settings], float | None]


@dataclass(frozen=True)
class MonitorRun:
    """What one monitor run did; `delivery` is None when Slack is not configured."""

    ingested: IngestSummary
    computed: MetricsSummary
    checked: CheckSummary
    delivery: DeliveryReport | None


def monitor(settings: Settings, steps: MonitorSteps, *, as_of: datetime | None = None,
            full_metrics: bool = False) -> MonitorRun:
    """Ingests what is new, recomputes the metrics it touched, checks the windows before as_of
    (default: now), sends the alerts waiting in the outbox when Slack is configured, and publishes
    the read copy. A failing check is a result, not a failed run: it opens an alert."""
    ingested = steps.ingest(settings)
    computed = steps.metrics(settings, full_metrics)
    checked = steps.check(settings, as_of)
    delivery = steps.deliver(settings) if settings.slack_configured or settings.slack_token_secret_block else None
    steps.publish(settings)
    return MonitorRun(ingested, computed, checked, delivery)
