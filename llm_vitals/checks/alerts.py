"""The alert lifecycle: open once per incident, stay quiet while open, resolve once when it recovers.

Every change is written with its Slack message into `outbox` in the same transaction, so a message
is never lost between deciding and sending; llm_vitals.slack delivers the outbox.
"""

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import duckdb

from llm_vitals import db
from llm_vitals.checks.detect import CheckResult, Incident
from llm_vitals.formatting import segment_label
from llm_vitals.slack import messages


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


_SHORTEST_FIRST = ("now", "hour", "6h", "day", "period", "3d")
_RECENT = ("now", "hour", "6h", "day", "period")
_HOLDING = ("6h", "day")  # windows whose failure holds an alert open when a shorter one has recovered


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
    """Opens alerts for new incidents and resolves recovered ones; queues their messages when queue_messages.

    An incident opens no alert when one is open for its cause or covers it (`joins`: the same
    rise seen through another segment or a metric that moves with it), or when its window began before the
    last alert of that cause resolved (a longer window still holding the past incident). An open
    alert resolves when the shortest window (up to a day long) with enough data shows the value
    back within its threshold, neither the 6-hour nor the day window, when it is not that window, fails
    (one quiet hour in a running incident is noise, not a recovery), and no cause it covers fails in its
    own shortest window (the model still costly under an all-calls cost alert). A segment too small
    for any window up to a day resolves when its 3-day window is back within its threshold. With no
    window judged, it stays open."""
    changes = AlertChanges()
    open_alerts = {tuple(row[1:5]): row for row in db.fetch(con, "alerts_open_list")}
    resolved_at = dict(db.fetch(con, "alerts_last_resolved"))
    current = _by_key(results)
    held: set[tuple] = set()  # open alerts a covered cause still fails under: not recovered yet
    for incident in found:
        cause = incident.cause
        host = incident.joins if incident.joins in open_alerts else incident.key
        if host != incident.key and host in open_alerts and _failing_now(current.get(incident.key, [])):
            held.add(host)
        if host in open_alerts:  # still going, or a cause an open alert covers: it may have grown (no new post)
            joined = [cause.label] * (cause.label != segment_label(*host[2:])) + [cause.metric] * (cause.metric != host[1])
            db.run(con, "alerts_extend", alert_id=open_alerts[host][0],
                   also_seen_in=joined + [r.label for r in incident.also_seen_in] + [r.metric for r in incident.also_raised])
            continue
        if incident.joins is not None:
            continue  # the echo of a resolved alert that covered this cause
        last = resolved_at.get("\x1f".join(incident.key))
        if last is not None and cause.window_start < last:
            continue  # the echo of an incident that was already resolved
        alert_id = db.fetch(con, "alerts_next_id")[0][0]
        db.run(con, "alerts_open", alert_id=alert_id, check_name=cause.check, metric=cause.metric,
               dimension=cause.dimension, segment=cause.segment, severity=cause.severity, as_of=as_of,
               grain=cause.grain, window_start=cause.window_start, observed=cause.observed, threshold=cause.threshold,
               baseline=cause.baseline, sample_size=cause.sample_size,
               also_seen_in=[r.label for r in incident.also_seen_in] + [f"{r.metric}" for r in incident.also_raised])
        if queue_messages:
            enqueue(con, "opened", *routing.channel_for(cause.severity, cause.dimension, cause.segment),
                    messages.alert_opened(cause, incident.also_seen_in, incident.also_raised), alert_id)
        changes.opened.append((alert_id, cause, incident.also_seen_in))
    for key, (alert_id, _check, metric, dimension, segment, severity, opened_at, last_posted_at) in open_alerts.items():
        judged = _shortest_first(current.get(key, []))
        enough = [r for r in judged if r.status != "not enough data"]
        # a segment too small for any window up to a day is judged by its 3-day window alone
        recent = [r for r in enough if r.grain in _RECENT] or enough
        failing = _failing_now(judged)
        if failing:
            changes.still_open += 1
            if queue_messages and remind_after and as_of - last_posted_at >= remind_after:
                enqueue(con, "reminder", *routing.channel_for(severity, dimension, segment),
                        messages.alert_opened(failing[0], []), alert_id)
                db.run(con, "alerts_reminded", alert_id=alert_id, as_of=as_of)
                changes.reminded.append(alert_id)
        elif (recent and not recent[0].beyond and key not in held
              and not any(r.status == "fail" for r in recent[1:] if r.grain in _HOLDING)):
            passing = recent[0]
            db.run(con, "alerts_resolve", alert_id=alert_id, as_of=as_of)
            if queue_messages:
                enqueue(con, "resolved", *routing.channel_for(severity, dimension, segment),
                        messages.alert_resolved(passing, metric, passing.label, opened_at, as_of), alert_id)
            changes.resolved.append((alert_id, metric, passing.label))
        else:  # not enough data to say it recovered, still past its threshold, or a cause it covers still fails
            changes.still_open += 1
    return changes


def _shortest_first(results: list[CheckResult]) -> list[CheckResult]:
    return sorted(results, key=lambda r: _SHORTEST_FIRST.index(r.grain) if r.grain in _SHORTEST_FIRST else 9)


def _failing_now(results: list[CheckResult]) -> list[CheckResult]:
    """The failing results of the shortest window with enough data (it tells the present: a longer
    one holds the past for days), or of every window when none has enough data."""
    judged = _shortest_first(results)
    recent = [r for r in judged if r.status != "not enough data" and r.grain in _RECENT]
    return [r for r in (recent[:1] or judged) if r.status == "fail"]


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
