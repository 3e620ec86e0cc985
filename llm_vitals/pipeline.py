"""The pipeline's steps as plain functions: the CLI and the Prefect tasks both call these."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

from llm_vitals import db, ingest, metrics, sqlfiles
from llm_vitals.errors import NothingToReport
from llm_vitals.ingest import kinds
from llm_vitals.settings import Settings

if TYPE_CHECKING:  # checks and alerts load only for the commands that use them (ingest starts faster)
    from llm_vitals.checks import alerts
    from llm_vitals.checks.detect import CheckResult, Incident
    from llm_vitals.slack.delivery import DeliveryReport


def ingest_sources(settings: Settings, sources: list[str] | None = None) -> ingest.IngestSummary:
    """Ingests the sources (default: settings.source, else every source of settings.sources_file).
    Files go in one batch; a database table in one batch per page. Returns the batches' sum."""
    locations = sources if sources is not None else settings.source
    entries = _sources_file(settings) if not locations and settings.sources_file else None
    con = _connect(settings)
    try:
        if entries is not None:
            return ingest.merge([kinds.ingest_entry(con, settings, entry, _progress()) for entry in entries])
        return ingest.merge(kinds.ingest_locations(con, settings, locations, _progress()))
    finally:
        con.close()


def _sources_file(settings: Settings) -> list:
    """The sources file's entries (its parser, pydantic models and YAML, 0.1 s of start-up, load
    only when a sources file is used)."""
    from llm_vitals.ingest import source_config

    return source_config.load(settings.sources_file)


def ingest_named(settings: Settings, name: str) -> ingest.IngestSummary:
    """Ingests one named source of settings.sources_file."""
    from llm_vitals.errors import ConfigError

    entries = {entry.name: entry for entry in _sources_file(settings)} if settings.sources_file else {}
    if name not in entries:
        raise ConfigError(f"No source named {name!r} in the sources file {settings.sources_file}.",
                          hint="Check LLM_VITALS_SOURCES_FILE and the source's name.")
    con = _connect(settings)
    try:
        return kinds.ingest_entry(con, settings, entries[name], _progress())
    finally:
        con.close()


def compute_metrics(settings: Settings, *, full: bool = False) -> metrics.MetricsSummary:
    """Recomputes the metric windows of settings.db that new data touched (all when full)."""
    con = _connect(settings)
    try:
        return metrics.compute(con, full=full)
    finally:
        con.close()


def backfill(settings: Settings, start: datetime | None, end: datetime | None, sources: list[str] | None = None
             ) -> tuple[ingest.IngestSummary, metrics.MetricsSummary]:
    """Re-ingests the sources' calls in [start, end) and recomputes every window of that range.
    Running it twice leaves the same database as running it once."""
    from llm_vitals.errors import ConfigError

    if start is None or end is None or start >= end:
        raise ConfigError(f"Backfill range [{start}, {end}) is empty or incomplete.",
                          hint="Give --start and --end (ISO 8601) with start before end.")
    start, end = _utc(start), _utc(end)
    files = ingest.discover(sources if sources is not None else settings.source)
    con = _connect(settings)
    try:
        ingested = ingest.ingest(con, files, store_free_text=settings.store_free_text,
                                 max_line_bytes=settings.max_line_bytes, replace_range=(start, end),
                                 final_line_wait_seconds=settings.final_line_wait_seconds,
                                 memory_cap_mb=settings.ingest_memory_cap_mb)
        return ingested, metrics.compute(con, also=(start, end))
    finally:
        con.close()


def publish_read_copy(settings: Settings) -> float | None:
    """Publishes settings.db as settings.read_copy_path (when read_copy is on); returns the seconds it took."""
    if not settings.read_copy:
        return None
    con = _connect(settings)
    try:
        return db.publish_read_copy(con, settings.db, settings.read_copy_path)
    finally:
        con.close()


def _connect(settings: Settings):
    con = db.connect(settings.db, threads=settings.threads, memory_limit=settings.memory_limit,
                     wait_seconds=settings.lock_wait_seconds, on_wait=_tell)
    # DuckDB draws its own progress bar for long statements; only on a terminal.
    db.run(con, "session_progress_bar", on=sys.stderr.isatty())
    return con


def _utc(moment: datetime) -> datetime:
    """The moment in UTC; a time without an offset is read as UTC."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _tell(message: str) -> None:
    print(f"llm-vitals: {message}", file=sys.stderr, flush=True)


def _progress():
    """On a terminal, where DuckDB draws its bar for each statement: a line for each step of an
    ingest batch, from the start of the line (over a bar left unfinished). Off a terminal, nothing."""
    if not sys.stderr.isatty():
        return None
    return lambda message: print(f"\r\x1b[Kllm-vitals: {message}", file=sys.stderr, flush=True)


@dataclass
class CheckSummary:
    """What one check run judged, opened, resolved and delivered."""

    as_of: datetime
    results: list[CheckResult]
    incidents: list[Incident]
    changes: alerts.AlertChanges
    docs_dir: Path | None
    look_back: bool = False  # as_of was before an earlier run's: alerts were left as they were

    @property
    def failed(self) -> bool:
        return any(r.status == "fail" for r in self.results)


def run_checks(settings: Settings, as_of: datetime | None = None, *, great_expectations: bool = True) -> CheckSummary:
    """Judges the trailing windows before as_of (default: now), records the results, opens and
    resolves alerts, and queues their Slack messages in the outbox when Slack is configured. An
    as_of before an earlier run's is a look back: its results are recorded, its alerts left alone."""
    from llm_vitals.checks import alerts
    from llm_vitals.checks import data as check_data
    from llm_vitals.checks import run as check_run
    from llm_vitals.checks import slos as slo_file
    from llm_vitals.checks import thresholds as thresholds_file

    as_of = as_of or datetime.now(UTC)
    as_of = _utc(as_of)
    thresholds = thresholds_file.load(settings.thresholds or _packaged_thresholds())
    objectives = slo_file.load(settings.slos or _packaged_slos())
    con = _connect(settings)
    try:
        judged = check_run.judge(con, thresholds, as_of, great_expectations=great_expectations,
                                 docs_dir=settings.data_docs_dir, slos=objectives)
        latest = check_data.last_as_of(con)
        look_back = latest is not None and as_of < latest
        routing = alerts.Routing(settings.slack_channel, settings.slack_channels_by_severity, settings.slack_channels_by_tenant)
        remind = timedelta(hours=settings.alert_reminder_hours) if settings.alert_reminder_hours else None
        with db.transaction(con):
            run_id = check_data.store_results(con, as_of, judged.new, look_back=look_back)
            check_data.remember(con, judged.judged, judged.fingerprint, run_id)
            if judged.slo_counts:
                from llm_vitals.checks import slo_burn

                slo_burn.store_status(con, judged.slo_counts, as_of)
            changes = alerts.AlertChanges() if look_back else alerts.apply(
                con, judged.incidents, judged.results, as_of, routing, queue_messages=settings.slack_configured,
                remind_after=remind)
    finally:
        con.close()
    return CheckSummary(as_of, judged.results, judged.incidents, changes,
                        settings.data_docs_dir if great_expectations else None, look_back)


def deliver_alerts(settings: Settings, token: str | None = None) -> DeliveryReport | None:
    """Sends the outbox's waiting messages; None when Slack is not configured.

    Raises SlackDeliveryError for errors no retry fixes; messages Slack could not take now stay queued.
    """
    from llm_vitals.slack import delivery

    token = token or (settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None)
    webhook = settings.slack_webhook_url.get_secret_value() if settings.slack_webhook_url else None
    if not (token or webhook):
        return None
    sender = delivery.SlackSender(token=token, webhook_url=webhook, base_url=settings.slack_base_url,
                               timeout=settings.slack_timeout_seconds, retries=settings.slack_retries)
    con = _connect(settings)
    try:
        return delivery.deliver(con, sender)
    finally:
        con.close()


def outbox_messages(settings: Settings):
    """Returns the outbox's messages that have not gone out (waiting and dead), as a query result."""
    from llm_vitals.query import QueryResult

    con = _connect(settings)
    try:
        cursor = con.execute(sqlfiles.load("outbox_list"))
        return QueryResult([column[0] for column in cursor.description], cursor.fetchall())
    finally:
        con.close()


def outbox_retry(settings: Settings, message_id: int | None) -> int:
    """Puts dead message message_id (every dead one when None) back in line; returns how many."""
    return _outbox_change(settings, "outbox_retry", message_id)


def outbox_drop(settings: Settings, message_id: int | None) -> int:
    """Drops message message_id (every dead one when None): it is never sent; returns how many."""
    return _outbox_change(settings, "outbox_drop", message_id)


def _outbox_change(settings: Settings, name: str, message_id: int | None) -> int:
    con = _connect(settings)
    try:
        with db.transaction(con):
            return db.fetch(con, name, message_id=message_id)[0][0]
    finally:
        con.close()


def weekly_digest(settings: Settings, week: str | None = None):
    """Returns the digest of the ISO week (default: the last complete one) and its chart (PNG bytes);
    queues the message for Slack in the outbox when Slack is configured."""
    from llm_vitals.checks import alerts
    from llm_vitals.reports import digest, digest_chart, digest_render

    week = week or _last_complete_week()
    con = _connect(settings)
    try:
        metrics.compute(con, weeks_ended_by=digest.parse_week(week) + timedelta(days=7))  # the week's quantiles complete
        built = digest.build(con, week)
        if not built.calls():
            raise NothingToReport(f"Week {week} has no calls in {settings.db}: no digest is posted.",
                                  hint=_range_hint(con))
        rows = db.fetch(con, "digest_chart", this_week=built.start, last_week=built.start - timedelta(days=7), routes=4)
        chart = digest_chart.render(rows, [(d, v, seen) for d, v, seen, _ in built.changes], digest_render.title(built))
        if settings.slack_configured:
            with db.transaction(con):
                alerts.enqueue(con, "digest", settings.slack_channel, "LLM_VITALS_SLACK_CHANNEL", digest_render.blocks(built))
    finally:
        con.close()
    return built, chart


def _range_hint(con) -> str:
    first, last = db.fetch(con, "digest_call_range")[0]
    if first is None:
        return "The database holds no calls yet: run `llm-vitals ingest` first."
    return f"Its calls run from {first:%Y-%m-%d} to {last:%Y-%m-%d}; pick a week in that range with --week."


def _tenants_hint(con, start) -> str:
    tenants = [row[0] for row in db.fetch(con, "digest_week_tenants", week_start=start, week_end=start + timedelta(days=7))]
    if not tenants:
        return _range_hint(con)
    shown = ", ".join(tenants[:10]) + (f" and {len(tenants) - 10} more" if len(tenants) > 10 else "")
    return f"Tenants with calls that week: {shown}."


def tenant_digest(settings: Settings, tenant: str, week: str | None = None):
    """Returns the digest and chart of one tenant's calls only: computed in an in-memory copy of
    that tenant's two weeks, so no other tenant's numbers or names can reach it."""
    from llm_vitals.reports import digest, digest_chart, digest_render

    week = week or _last_complete_week()
    start = digest.parse_week(week)
    con = _connect(settings)
    try:
        db.run(con, "tenant_scope_copy", tenant=tenant, range_start=start - timedelta(days=7),
               range_end=start + timedelta(days=7))
        scoped = db.cursor(con)
        db.run(scoped, "tenant_scope_use")  # from here on every statement of `scoped` sees this tenant's calls only
        db.run(scoped, "schema")
        db.run(scoped, "views")
        metrics.compute(scoped, full=True)
        built = digest.build(scoped, week)
        if not built.calls():
            raise NothingToReport(f"Tenant {tenant!r} has no calls in week {week}: no digest is posted.",
                                  hint=_tenants_hint(con, start))  # con still reads the whole file
        built.data_quality = []  # rejected lines carry no trustworthy tenant
        built.week = f"{built.week} · tenant {tenant}"
        rows = db.fetch(scoped, "digest_chart", this_week=start, last_week=start - timedelta(days=7), routes=4)
        chart = digest_chart.render(rows, [(d, v, seen) for d, v, seen, _ in built.changes], digest_render.title(built))
    finally:
        con.close()
    return built, chart


def queue_digest(settings: Settings, built, channel: str, setting: str) -> None:
    """Queues a (tenant's) digest for `channel` (named by `setting`) in the outbox."""
    from llm_vitals.checks import alerts
    from llm_vitals.reports import digest_render

    con = _connect(settings)
    try:
        with db.transaction(con):
            alerts.enqueue(con, "digest", channel, setting, digest_render.blocks(built))
    finally:
        con.close()


def upload_file(settings: Settings, content: bytes, filename: str, title: str, *, token: str | None = None,
                channel: str | None = None, setting: str = "LLM_VITALS_SLACK_CHANNEL") -> bool:
    """Uploads a file (the digest's chart, the review's report) to `channel` (default: the alert
    channel, named by `setting`) with files_upload_v2; False where a webhook cannot take files.
    Raises SlackUnavailable, SlackMessageRefused or SlackDeliveryError like message delivery."""
    from llm_vitals.slack import delivery

    token = token or (settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None)
    channel = channel or settings.slack_channel
    if not token or not channel:
        return False
    sender = delivery.SlackSender(token=token, webhook_url=None, base_url=settings.slack_base_url,
                               timeout=settings.slack_timeout_seconds, retries=settings.slack_retries)
    sender.upload(channel, content, filename, title, setting=setting)
    return True


def queue_tenant_digest(settings: Settings, tenant: str, channel: str,
                        week: str | None = None) -> tuple[str, bytes, str] | None:
    """Queues one tenant's digest (its calls only) for its channel; returns its week, chart and
    channel, or None when the tenant has no calls that week (it says so, and nothing is posted)."""
    from llm_vitals.errors import NothingToReport

    try:
        built, chart = tenant_digest(settings, tenant, week)
    except NothingToReport as exc:
        print(f"No digest for tenant {tenant}: {exc.args[0]}")
        return None
    queue_digest(settings, built, channel, tenant_channel_setting(tenant))
    return built.week, chart, channel


def upload_or_tell(settings: Settings, content: bytes, filename: str, title: str, channel: str | None = None,
                   setting: str = "LLM_VITALS_SLACK_CHANNEL", *, token: str | None = None) -> bool:
    """upload_file, where a file Slack refuses for good is told and skipped: one refused channel
    never stops the other uploads. Returns whether the file went to Slack."""
    from llm_vitals.slack.delivery import SlackMessageRefused

    try:
        return upload_file(settings, content, filename, title, token=token, channel=channel, setting=setting)
    except SlackMessageRefused as exc:
        print(f"{filename} not uploaded: {exc}")
        return False


def tenant_channel_setting(tenant: str) -> str:
    """The setting that names a tenant's channel, as error hints name it."""
    return f"LLM_VITALS_SLACK_CHANNELS_BY_TENANT[{json.dumps(tenant)}]"


def chart_file(week: str) -> tuple[str, str]:
    """Returns the file name and title of a digest's chart ("2026-W42 · tenant t04" included)."""
    return f"llm-vitals-{week.replace(' · ', '-').replace(' ', '-')}.png", f"LLM weekly digest {week}"


def monthly_review(settings: Settings, month: str | None = None) -> tuple[object, Path, Path]:
    """Writes the month's review (default: the last complete month) as HTML and Markdown into
    settings.review_dir; queues its Slack summary when Slack is configured. Returns (review, html, md)."""
    from llm_vitals.checks import alerts
    from llm_vitals.reports import review

    month = month or (datetime.now(UTC).replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    con = _connect(settings)
    try:
        built = review.build(con, month)
        settings.review_dir.mkdir(parents=True, exist_ok=True)
        html_path = settings.review_dir / f"llm-vitals-review-{month}.html"
        md_path = settings.review_dir / f"llm-vitals-review-{month}.md"
        html_path.write_text(review.to_html(built), encoding="utf-8")
        md_path.write_text(review.to_markdown(built), encoding="utf-8")
        if settings.slack_configured:
            with db.transaction(con):
                alerts.enqueue(con, "review", settings.slack_channel, "LLM_VITALS_SLACK_CHANNEL", review.summary(built))
    finally:
        con.close()
    return built, html_path, md_path


def _last_complete_week() -> str:
    year, week, _ = (datetime.now(UTC) - timedelta(days=7)).isocalendar()
    return f"{year}-W{week:02d}"


def _packaged_thresholds() -> Path:
    return Path(str(files("llm_vitals.expectations") / "thresholds.yaml"))


def _packaged_slos() -> Path:
    return Path(str(files("llm_vitals.expectations") / "slos.yaml"))
