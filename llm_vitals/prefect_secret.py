"""The Slack token from a Prefect Secret block: the one place outside flows/ and tasks/ that reads
Prefect, lazily, and only when LLM_VITALS_SLACK_TOKEN_SECRET_BLOCK is set."""

from llm_vitals.errors import VitalsError
from llm_vitals.settings import Settings


def slack_token(settings: Settings) -> str | None:
    """Returns the bot token from the Secret block the settings name (None without one, or when
    SLACK_BOT_TOKEN is set). Fails in one line when no Prefect API is configured to read it from,
    instead of starting a temporary server that cannot hold the block."""
    block = settings.slack_token_secret_block
    if settings.slack_bot_token or not block:
        return None
    from prefect.settings import get_current_settings

    if not get_current_settings().api.url:
        raise VitalsError(f"LLM_VITALS_SLACK_TOKEN_SECRET_BLOCK is {block!r}, but no Prefect API is configured to read it from.",
                          hint="Set PREFECT_API_URL to the server that holds the block, or set SLACK_BOT_TOKEN instead.")
    from prefect.blocks.system import Secret

    try:
        return Secret.load(block).get()
    except ValueError as exc:
        raise VitalsError(f"Prefect Secret block {block!r} was not found.",
                          hint="Create it (README: Deploy) or set SLACK_BOT_TOKEN on the worker.") from exc
