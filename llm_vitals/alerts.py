"""The alert lifecycle: open once per incident, stay quiet while open, resolve once when it recovers.

Every change is written with its Slack message into `outbox` in the same transaction, so a message
is never lost between deciding and sending; llm_vitals.slack delivers the outbox.
"""

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import duckdb

from llm_vitals import db, slack_messages
from llm_vitals.checks import CheckResult, Incident


@dataclass
class Routing:
    """Which Slack channel gets a message (None: Slack is not configured, store only)."""

    default: str | None
    by_severity: dict[str, str] = field(default_factory=dict)
    by_tenant: dict[str, str] = field(default_factory=dict)

    def channel_for(self, severity: str, dimension: str, segment: str) -> tuple[str | None, str]:
        """Returns the channel of an alert about (dimension, segment), and the setting that named it."""
        if dimension == "tenant" and segment in self.by_tenant:
            return self.by_tenant[segment], f"LLM_VITALS_SLACK_CHANNELS_BY_TENANT[{json.dumps(segment)}]"
        if severity in self.by_severity:
            return self.by_severity[severity], f"LLM_VITALS_SLACK_CHANNELS_BY_SEVERITY[{json.dumps(severity)}]"
        return self.default, "LLM_VITALS_SLACK_CHANNEL"


@dataclass
class AlertChanges:
    opened: list[tuple[int, CheckResult, list[CheckResult]]] = field(default_factory=list)
    resolved: list[tuple[int, str, str]] = field(default_factory=list)  # (alert_id, metric, label)
    reminded: list[int] = field(default_factory=list)
    still_open: int = 0


def apply(
    con: duckdb.DuckDBPyConnection,
    found: list[Incident],
    results: list[CheckResult],
    as_of: datetime,
    routing: Routing,
    *,
    queue_messages: bool,
    remind_after: timedelta | None = None,
) -> AlertChanges:
    """Opens alerts for new incidents and resolves recovered ones; queues their messages when queue_messages."""
    changes = AlertChanges()
    open_alerts = {
        tuple(row[1:5]): row for row in con.execute(
            "select alert_id, check_name, metric, dimension, segment, severity, opened_at, last_posted_at"
            " from alerts where status = 'open'").fetchall()
    }
    for incident in found:
        if incident.key in open_alerts:
            continue
        cause = incident.cause
        alert_id = _next_id(con, "alerts", "alert_id")
        con.execute(
            "insert into alerts values (?, ?, ?, ?, ?, ?, 'open', ?, null, ?, ?, ?, ?, ?, ?, ?, ?)",
            [alert_id, cause.check, cause.metric, cause.dimension, cause.segment, cause.severity, as_of, cause.grain,
             cause.window_start, cause.observed, cause.threshold, cause.baseline, cause.sample_size,
             [r.label for r in incident.also_seen_in] + [f"{r.metric}" for r in incident.also_raised], as_of],
        )
        if queue_messages:
            enqueue(con, "opened", *routing.channel_for(cause.severity, cause.dimension, cause.segment),
                    slack_messages.alert_opened(cause, incident.also_seen_in, incident.also_raised), alert_id)
        changes.opened.append((alert_id, cause, incident.also_seen_in))
    current = _by_key(results)
    for key, (alert_id, check, metric, dimension, segment, severity, opened_at, last_posted_at) in open_alerts.items():
        judged = current.get(key, [])
        if any(r.status == "fail" for r in judged):
            changes.still_open += 1
            if queue_messages and remind_after and as_of - last_posted_at >= remind_after:
                failing = next(r for r in judged if r.status == "fail")
                enqueue(con, "reminder", *routing.channel_for(severity, dimension, segment),
                        slack_messages.alert_opened(failing, []), alert_id)
                con.execute("update alerts set last_posted_at = ? where alert_id = ?", [as_of, alert_id])
                changes.reminded.append(alert_id)
        elif any(r.status == "pass" for r in judged):
            passing = next(r for r in judged if r.status == "pass")
            con.execute("update alerts set status = 'resolved', resolved_at = ? where alert_id = ?", [as_of, alert_id])
            if queue_messages:
                enqueue(con, "resolved", *routing.channel_for(severity, dimension, segment),
                        slack_messages.alert_resolved(passing, metric, passing.label, opened_at, as_of), alert_id)
            changes.resolved.append((alert_id, metric, passing.label))
        else:
            changes.still_open += 1  # not enough data to say it recovered
    return changes


def _by_key(results: list[CheckResult]) -> dict[tuple, list[CheckResult]]:
    out: dict[tuple, list[CheckResult]] = {}
    for r in results:
        out.setdefault((r.check, r.metric, r.dimension, r.segment), []).append(r)
    return out


def enqueue(con, kind: str, channel: str | None, setting: str, payload: dict, alert_id: int | None = None) -> None:
    """Queues one Slack message for `channel` (named by `setting`) in the outbox (sent by
    llm_vitals.slack.deliver), with a unique key Slack keeps as the message's metadata."""
    db.run(con, "outbox_enqueue", alert_id=alert_id, kind=kind, channel=channel, channel_setting=setting,
           payload=json.dumps(payload), message_key=uuid.uuid4().hex)


def _next_id(con, table: str, column: str) -> int:
    # table and column come from this module's constants, never from data
    return con.execute(f"select coalesce(max({column}), 0) + 1 from {table}").fetchall()[0][0]
