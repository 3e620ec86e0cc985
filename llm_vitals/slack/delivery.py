"""Deliver the outbox to Slack with slack-sdk: bot token + chat.postMessage, or an incoming webhook.

What Slack answers decides what happens to a message:
- it took the message: marked sent, with its `ts`;
- Slack is unavailable (a timeout, HTTP 5xx, 429): retried within the run with backoff (429 waits
  as long as Retry-After says); when the retries run out, the message waits in the outbox for the
  next run, and so do the ones after it;
- Slack refuses this message for good (channel_not_found, not_in_channel, is_archived,
  invalid_blocks, msg_too_long, …): the message is set aside as dead with the reason and the
  setting that names its channel, and every other message keeps flowing (`llm-vitals outbox`
  lists, retries or drops dead messages);
- the token or webhook itself is refused (invalid_auth, token_revoked, a removed webhook): no
  message can go; they all wait, and the run stops with one error naming the setting to fix.

A bot-token message carries its outbox key as Slack message metadata. Before sending again a
message whose earlier attempt may have reached Slack (a timeout, a crash before it was marked
sent), the channel's recent history is searched for that key, so a slow answer does not post twice.
"""

import json
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import duckdb
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from llm_vitals import db
from llm_vitals.errors import VitalsError

METADATA_EVENT = "llm_vitals_message"
HISTORY_LOOKBACK = timedelta(minutes=10)  # how far before an uncertain attempt its message is searched for

_TOKEN_FIX = {
    "invalid_auth": "SLACK_BOT_TOKEN is not a valid token: set a bot token (xoxb-...) of the workspace.",
    "not_authed": "SLACK_BOT_TOKEN is missing: set it, or LLM_VITALS_SLACK_WEBHOOK_URL.",
    "account_inactive": "SLACK_BOT_TOKEN belongs to a deactivated app or user: install the app again.",
    "token_revoked": "SLACK_BOT_TOKEN was revoked: set a new bot token.",
    "token_expired": "SLACK_BOT_TOKEN has expired: set a new bot token.",
    "missing_scope": "SLACK_BOT_TOKEN lacks the chat:write scope: add it to the app and reinstall it.",
    "no_service": "LLM_VITALS_SLACK_WEBHOOK_URL was removed in Slack: create a new incoming webhook.",
    "invalid_token": "LLM_VITALS_SLACK_WEBHOOK_URL is not valid: copy the webhook URL again from Slack.",
    "no_team": "LLM_VITALS_SLACK_WEBHOOK_URL's workspace is gone: create a webhook in the right workspace.",
    "team_disabled": "The workspace of SLACK_BOT_TOKEN or LLM_VITALS_SLACK_WEBHOOK_URL is disabled.",
}
_CHANNEL_FIX = {  # refused for this message's channel: {setting} names where the channel came from
    "channel_not_found": "{setting} names no channel the bot can see ({channel}): use its ID (C...) or #name.",
    "not_in_channel": "The bot is not in {channel} ({setting}): invite it with /invite @your-bot.",
    "is_archived": "{channel} ({setting}) is archived: pick another channel.",
    "channel_is_archived": "The webhook's channel is archived: create a webhook for another channel.",
    "restricted_action": "{channel} ({setting}) does not let the bot post: check the channel's posting permissions.",
    "msg_too_long": "The message is longer than Slack takes; it was set aside (report it).",
    "invalid_blocks": "Slack refused the message's blocks; it was set aside (report it).",
    "invalid_blocks_format": "Slack refused the message's blocks; it was set aside (report it).",
    "no_text": "The message had no text; it was set aside (report it).",
}
_TRANSIENT = {"ratelimited", "rate_limited", "service_unavailable", "fatal_error", "internal_error", "request_timeout"}


class SlackDeliveryError(VitalsError):
    """Slack refused the token or webhook: no message can go until the setting is fixed."""


class SlackMessageRefused(VitalsError):
    """Slack refused this one message for good (its channel, its content); the others can still go."""

    def __init__(self, message: str, *, error: str, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.error = error


class SlackUnavailable(VitalsError):
    """Slack did not take the message after the retries; it waits in the outbox."""

    transient = True


@dataclass
class DeliveryReport:
    sent: int = 0
    waiting: int = 0
    dead: list[str] = field(default_factory=list)  # one line per message set aside this run
    last_error: str | None = None


class SlackSender:
    """Posts payloads ({"text", "blocks"}) to a channel with a bot token, or to an incoming webhook."""

    def __init__(self, *, token: str | None, webhook_url: str | None, base_url: str, timeout: float, retries: int,
                 backoff_seconds: float = 1.0):
        # Rate limits are safe to retry as they come (Slack took nothing). A timeout or a 5xx may
        # have posted the message: those are retried here, after looking for it.
        handlers = [RateLimitErrorRetryHandler(max_retry_count=retries)]
        self._retries, self._backoff = retries, backoff_seconds
        self._client = WebClient(token=token, base_url=base_url, timeout=int(timeout), retry_handlers=handlers) if token else None
        self._webhook = WebhookClient(webhook_url, timeout=int(timeout), retry_handlers=handlers) if webhook_url and not token else None
        if self._client is None and self._webhook is None:
            raise VitalsError("SlackSender needs a token or a webhook URL.")

    def post(self, channel: str | None, payload: dict, *, key: str, setting: str = "LLM_VITALS_SLACK_CHANNEL",
             maybe_posted_since: datetime | None = None) -> str | None:
        """Sends one message; returns its ts (None through a webhook). With maybe_posted_since (an
        earlier attempt may have reached Slack), first looks for it in the channel's history.

        Raises SlackMessageRefused (this message, for good), SlackDeliveryError (the token or
        webhook) or SlackUnavailable (the retries ran out)."""
        if self._client is not None and not channel:
            raise SlackMessageRefused("No channel to post to.", error="no_channel", hint=f"Set {setting}.")
        uncertain_since = maybe_posted_since
        for attempt in range(self._retries + 1):
            if attempt:
                time.sleep(self._backoff * 2 ** (attempt - 1))
            if uncertain_since is not None and self._client is not None:
                found = self._find(channel, key, uncertain_since)
                if found:
                    return found
            try:
                return self._send(channel, payload, key)
            except SlackApiError as exc:
                status, error = exc.response.status_code, str(exc.response.get("error", ""))
                if not (status == 429 or status >= 500 or error in _TRANSIENT):
                    raise _refusal(error, status, channel, setting) from None
                uncertain_since = uncertain_since or datetime.now(UTC)
                last = f"Slack answered HTTP {status} {error}".strip()
            except (OSError, TimeoutError) as exc:
                uncertain_since = uncertain_since or datetime.now(UTC)
                last = f"Slack did not answer ({type(exc).__name__})"
        raise SlackUnavailable(f"{last} after {self._retries + 1} attempts; the message waits in the outbox.")

    def upload(self, channel: str, content: bytes, filename: str, title: str, *, setting: str = "LLM_VITALS_SLACK_CHANNEL") -> None:
        """Uploads a file into the channel (files_upload_v2). Raises like post()."""
        if self._client is None:
            raise SlackDeliveryError("A webhook cannot upload files.", hint="Set SLACK_BOT_TOKEN to upload the chart.")
        try:
            self._client.files_upload_v2(channel=channel, content=content, filename=filename, title=title)
        except SlackApiError as exc:
            status, error = exc.response.status_code, str(exc.response.get("error", ""))
            if status == 429 or status >= 500 or error in _TRANSIENT:
                raise SlackUnavailable(f"Slack answered the upload with HTTP {status} {error}.".strip()) from None
            raise _refusal(error, status, channel, setting) from None
        except (OSError, TimeoutError) as exc:
            raise SlackUnavailable(f"Slack did not answer the upload ({type(exc).__name__}).") from None

    def _send(self, channel: str | None, payload: dict, key: str) -> str | None:
        if self._client is not None:
            answer = self._client.chat_postMessage(
                channel=channel, text=payload["text"], blocks=payload.get("blocks"),
                metadata={"event_type": METADATA_EVENT, "event_payload": {"outbox_key": key}})
            return answer.get("ts")
        response = self._webhook.send(text=payload["text"], blocks=payload.get("blocks"))
        if response.status_code == 429 or response.status_code >= 500:
            raise OSError(f"HTTP {response.status_code}")  # retried like a connection error
        if response.status_code != 200:
            raise _refusal((response.body or "").strip(), response.status_code, None, "LLM_VITALS_SLACK_WEBHOOK_URL")
        return None

    def _find(self, channel: str, key: str, since: datetime) -> str | None:
        """The ts of the channel's message that carries `key` since a little before `since`, if any."""
        oldest = f"{(since - HISTORY_LOOKBACK).timestamp():.6f}"
        try:
            history = self._client.conversations_history(channel=channel, oldest=oldest, limit=200,
                                                         include_all_metadata=True)
        except (SlackApiError, OSError, TimeoutError):
            return None  # no history to search (a missing channels:history scope): send, at least once
        for message in history.get("messages", []):
            metadata = message.get("metadata") or {}
            if metadata.get("event_type") == METADATA_EVENT and (metadata.get("event_payload") or {}).get("outbox_key") == key:
                return message.get("ts")
        return None


def deliver(con: duckdb.DuckDBPyConnection, sender: SlackSender) -> DeliveryReport:
    """Sends the outbox's waiting messages in order. A message Slack refuses for good is set aside as
    dead and the next one goes; when Slack is unavailable the rest wait for the next run.

    Raises SlackDeliveryError when the token or webhook is refused (every message still waits)."""
    report = DeliveryReport()
    waiting = db.fetch(con, "outbox_waiting")
    for position, (message_id, key, channel, setting, payload, attempted_at) in enumerate(waiting):
        db.run(con, "outbox_attempt", message_id=message_id)  # a crash after this searches before sending again
        try:
            ts = sender.post(channel, json.loads(payload), key=key, setting=setting or "LLM_VITALS_SLACK_CHANNEL",
                             maybe_posted_since=attempted_at)
        except SlackUnavailable as exc:
            db.run(con, "outbox_failed", message_id=message_id, error=str(exc))
            report.waiting = len(waiting) - position
            report.last_error = str(exc)
            return report
        except SlackMessageRefused as exc:
            db.run(con, "outbox_dead", message_id=message_id, error=str(exc))
            report.dead.append(f"message {message_id} to {channel}: {exc}")
            continue
        except SlackDeliveryError as exc:
            db.run(con, "outbox_failed", message_id=message_id, error=str(exc))
            raise
        db.run(con, "outbox_sent", message_id=message_id, slack_ts=ts)
        report.sent += 1
    return report


def _refusal(error: str, status: int, channel: str | None, setting: str) -> VitalsError:
    if error in _TOKEN_FIX:
        return SlackDeliveryError(f"Slack refused the token: {error}.", hint=_TOKEN_FIX[error])
    fix = _CHANNEL_FIX.get(error, "Slack refused this message ({error}); it was set aside. Check {channel} ({setting}).")
    return SlackMessageRefused(f"Slack refused the message: {error or f'HTTP {status}'}.", error=error,
                               hint=fix.format(error=error or f"HTTP {status}", channel=channel or "the webhook's channel",
                                               setting=setting))


logging.getLogger("slack_sdk").addFilter(lambda record: "xox" not in record.getMessage())
