"""Deliver the outbox to Slack with slack-sdk: bot token + chat.postMessage, or an incoming webhook.

Rate limits wait as long as Retry-After says and 5xx or connection errors are retried with backoff
(slack-sdk's retry handlers); a message whose retries run out stays in the outbox for the next run.
Errors no retry can fix (invalid_auth, channel_not_found, not_in_channel, a dead webhook) stop the
run with one message naming the setting to fix.
"""

import json
import logging
from dataclasses import dataclass

import duckdb
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.webhook import WebhookClient

from llm_vitals.errors import VitalsError

_FIX = {
    "invalid_auth": "SLACK_BOT_TOKEN is not a valid token: set a bot token (xoxb-...) of the workspace.",
    "not_authed": "SLACK_BOT_TOKEN is missing: set it, or LLM_VITALS_SLACK_WEBHOOK_URL.",
    "account_inactive": "SLACK_BOT_TOKEN belongs to a deactivated app or user: install the app again.",
    "token_revoked": "SLACK_BOT_TOKEN was revoked: set a new bot token.",
    "channel_not_found": "LLM_VITALS_SLACK_CHANNEL names no channel the bot can see: use its ID (C...) or #name.",
    "not_in_channel": "The bot is not in LLM_VITALS_SLACK_CHANNEL: invite it with /invite @your-bot.",
    "is_archived": "LLM_VITALS_SLACK_CHANNEL is archived: pick another channel.",
    "no_service": "LLM_VITALS_SLACK_WEBHOOK_URL was removed in Slack: create a new incoming webhook.",
    "invalid_token": "LLM_VITALS_SLACK_WEBHOOK_URL is not valid: copy the webhook URL again from Slack.",
    "channel_is_archived": "The webhook's channel is archived: create a webhook for another channel.",
}


class SlackDeliveryError(VitalsError):
    """Slack refused the message for a reason no retry can fix."""


class SlackUnavailable(VitalsError):
    """Slack did not take the message after the retries; it waits in the outbox."""

    transient = True


@dataclass
class DeliveryReport:
    sent: int = 0
    waiting: int = 0
    last_error: str | None = None


class SlackSender:
    """Posts payloads ({"text", "blocks"}) to a channel with a bot token, or to an incoming webhook."""

    def __init__(self, *, token: str | None, webhook_url: str | None, base_url: str, timeout: float, retries: int):
        handlers = [
            RateLimitErrorRetryHandler(max_retry_count=retries),
            ServerErrorRetryHandler(max_retry_count=retries),
            ConnectionErrorRetryHandler(max_retry_count=retries),
        ]
        self._client = WebClient(token=token, base_url=base_url, timeout=int(timeout), retry_handlers=handlers) if token else None
        self._webhook = WebhookClient(webhook_url, timeout=int(timeout), retry_handlers=handlers) if webhook_url and not token else None
        if self._client is None and self._webhook is None:
            raise VitalsError("SlackSender needs a token or a webhook URL.")

    def post(self, channel: str | None, payload: dict) -> None:
        """Sends one message. Raises SlackDeliveryError (permanent) or SlackUnavailable (retries ran out)."""
        try:
            if self._client is not None:
                if not channel:
                    raise SlackDeliveryError("No channel to post to.", hint="Set LLM_VITALS_SLACK_CHANNEL.")
                self._client.chat_postMessage(channel=channel, text=payload["text"], blocks=payload.get("blocks"))
                return
            response = self._webhook.send(text=payload["text"], blocks=payload.get("blocks"))
        except SlackApiError as exc:
            raise _classify(exc.response.status_code, str(exc.response.get("error", ""))) from None
        except (OSError, TimeoutError) as exc:
            raise SlackUnavailable(f"Slack did not answer ({type(exc).__name__}); the message waits in the outbox.") from None
        if response.status_code != 200:
            raise _classify(response.status_code, (response.body or "").strip())


    def upload(self, channel: str, content: bytes, filename: str, title: str) -> None:
        """Uploads a file into the channel (files_upload_v2). Raises like post()."""
        if self._client is None:
            raise SlackDeliveryError("A webhook cannot upload files.", hint="Set SLACK_BOT_TOKEN to upload the chart.")
        try:
            self._client.files_upload_v2(channel=channel, content=content, filename=filename, title=title)
        except SlackApiError as exc:
            raise _classify(exc.response.status_code, str(exc.response.get("error", ""))) from None
        except (OSError, TimeoutError) as exc:
            raise SlackUnavailable(f"Slack did not answer the upload ({type(exc).__name__}).") from None


def deliver(con: duckdb.DuckDBPyConnection, sender: SlackSender) -> DeliveryReport:
    """Sends the outbox's waiting messages in order; stops at the first that Slack cannot take now."""
    report = DeliveryReport()
    waiting = con.execute("select message_id, channel, payload from outbox where sent_at is null order by message_id").fetchall()
    for position, (message_id, channel, payload) in enumerate(waiting):
        try:
            sender.post(channel, json.loads(payload))
        except SlackUnavailable as exc:
            con.execute("update outbox set attempts = attempts + 1, last_error = ? where message_id = ?", [str(exc), message_id])
            report.waiting = len(waiting) - position
            report.last_error = str(exc)
            return report
        except SlackDeliveryError as exc:
            con.execute("update outbox set attempts = attempts + 1, last_error = ? where message_id = ?", [str(exc), message_id])
            raise
        con.execute("update outbox set attempts = attempts + 1, sent_at = now(), last_error = null where message_id = ?", [message_id])
        report.sent += 1
    return report


def _classify(status: int, error: str) -> VitalsError:
    if error in _FIX:
        return SlackDeliveryError(f"Slack refused the message: {error}.", hint=_FIX[error])
    if status == 429 or status >= 500:
        return SlackUnavailable(f"Slack answered HTTP {status} after retries; the message waits in the outbox.")
    return SlackDeliveryError(f"Slack refused the message: HTTP {status} {error}.".strip(),
                              hint="Check LLM_VITALS_SLACK_BASE_URL, the channel and the token.")


logging.getLogger("slack_sdk").addFilter(lambda record: "xox" not in record.getMessage())
