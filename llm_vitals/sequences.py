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
    from llm_vitals.slack.delivery import DeliveryReport


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


@dataclass(frozen=True)
class DigestSteps:
    """How each step of a weekly digest run is carried out. `build` queues the digest and returns
    its ISO week and chart; `build_tenant` queues one tenant's digest for its channel and returns
    its week, chart and channel (None: the tenant had no calls, nothing is posted); `upload`
    returns whether the file went to Slack (a refusal is told, and the run goes on)."""

    build: Callable[[Settings, str | None], tuple[str, bytes]]
    build_tenant: Callable[[Settings, str, str, str | None], tuple[str, bytes, str] | None]
    deliver: Callable[[Settings], DeliveryReport | None]
    upload: Callable[[Settings, bytes, str, str, str | None, str], bool]


@dataclass(frozen=True)
class DigestRun:
    """What one digest run did; `delivery` and `uploaded` are None when Slack is not configured."""

    week: str
    chart: bytes
    delivery: DeliveryReport | None
    uploaded: bool | None


def weekly_digest(settings: Settings, steps: DigestSteps, week: str | None = None) -> DigestRun:
    """Builds the digest of the ISO week (default: the last complete one) and, when Slack is
    configured, each routed tenant's; sends the outbox, then uploads the charts."""
    from llm_vitals.pipeline import chart_file, tenant_channel_setting

    week_name, chart = steps.build(settings, week)
    tenants = settings.slack_channels_by_tenant.items() if settings.slack_configured else []
    built = [(tenant, steps.build_tenant(settings, tenant, channel, week)) for tenant, channel in tenants]
    if not settings.slack_configured:
        return DigestRun(week_name, chart, None, None)
    delivery = steps.deliver(settings)
    uploaded = steps.upload(settings, chart, *chart_file(week_name), None, "LLM_VITALS_SLACK_CHANNEL")
    for tenant, result in built:
        if result is not None:
            tenant_week, tenant_chart, channel = result
            steps.upload(settings, tenant_chart, *chart_file(tenant_week), channel, tenant_channel_setting(tenant))
    return DigestRun(week_name, chart, delivery, uploaded)


@dataclass(frozen=True)
class ReviewSteps:
    """How each step of a monthly review run is carried out. `build` writes the report and returns
    its month and HTML; `upload` as in DigestSteps."""

    build: Callable[[Settings, str | None], tuple[str, bytes]]
    deliver: Callable[[Settings], DeliveryReport | None]
    upload: Callable[[Settings, bytes, str, str, str | None, str], bool]


@dataclass(frozen=True)
class ReviewRun:
    month: str
    delivery: DeliveryReport | None
    uploaded: bool | None


def monthly_review(settings: Settings, steps: ReviewSteps, month: str | None = None) -> ReviewRun:
    """Writes the review of the month (default: the last complete one) and, when Slack is
    configured, sends its summary and attaches the HTML report."""
    name, html = steps.build(settings, month)
    if not settings.slack_configured:
        return ReviewRun(name, None, None)
    delivery = steps.deliver(settings)
    uploaded = steps.upload(settings, html, f"llm-vitals-review-{name}.html", f"LLM monthly review {name}", None,
                            "LLM_VITALS_SLACK_CHANNEL")
    return ReviewRun(name, delivery, uploaded)
