"""The one settings object. Built once at the edge (CLI or flow entry) and passed down."""

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    """Every field can be set by the environment variable LLM_VITALS_<NAME> or by a CLI option.

    Configuration only: what one run is about (`--as-of`, `--week`, a backfill's range...) is a
    parameter of the function that does it, read by the CLI from its options."""

    model_config = SettingsConfigDict(env_prefix="LLM_VITALS_", extra="ignore", populate_by_name=True)

    db: Path = Field(Path("llm-vitals.duckdb"), description="The DuckDB file llm-vitals writes and queries.")
    source: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Files, folders or globs to ingest (comma-separated in the environment variable).",
    )
    sources_file: Path | None = Field(
        None, description="YAML file of named sources (kind, location, preset or mapping), read when no source is given."
    )
    source_urls: dict[str, SecretStr] = Field(
        default_factory=dict,
        description='Database URLs by name, JSON: {"gateway": "postgresql+psycopg://..."}; a sources file refers to them by url_secret.',
    )
    preset: Literal["litellm", "otel"] | None = Field(
        None, description="Read the sources as LiteLLM_SpendLogs (a database URL) or OpenTelemetry GenAI spans (OTLP/JSON files)."
    )
    mapping: Path | None = Field(None, description="A mapping file (YAML) that turns the sources' own shape into the contract.")
    sql_page_rows: int = Field(
        500_000, ge=1, description="Rows of a database source read and stored per batch (the first page of a run is a quarter page)."
    )
    sql_lookback_seconds: float = Field(
        600.0, ge=0, description="A database source re-reads this long before its watermark, for rows committed late."
    )
    store_free_text: bool = Field(
        False,
        description="Store prompt/response/messages, with e-mail addresses, phone and card numbers and API keys redacted.",
    )
    max_line_bytes: int = Field(
        16 * 1024 * 1024, ge=1024, description="Longest JSON line or CSV row accepted; longer ones are rejected."
    )
    final_line_wait_seconds: float = Field(
        300.0, ge=0, description="A last line without a line ending waits for it this long after its file last changed;"
        " then the file counts as complete and the line is read.")
    threads: int | None = Field(None, ge=1, description="DuckDB worker threads (default: one per core).")
    memory_limit: str | None = Field(None, description="DuckDB memory limit, e.g. '2GB' (default: DuckDB's 80% of RAM).")
    ingest_memory_mb: int = Field(
        1536, ge=0, description="DuckDB's memory limit while an ingest batch runs, in MiB, when memory_limit is not set"
        " (0: none). A batch streams, so it runs as fast under it and its peak stays near it.")
    demo_dir: Path = Field(Path("llm-vitals-demo"), description="Where `llm-vitals demo` writes its logs and database.")
    output_format: Literal["table", "csv", "json"] = Field("table", description="Output of `llm-vitals query`.")
    max_rows: int | None = Field(None, ge=1, description="Most rows `llm-vitals query` prints (default: all).")
    review_dir: Path = Field(Path("llm-vitals-reviews"), description="Where `llm-vitals review` writes its HTML and Markdown.")
    thresholds: Path | None = Field(None, description="Thresholds file (default: the packaged expectations/thresholds.yaml).")
    slos: Path | None = Field(None, description="SLO file (default: the packaged expectations/slos.yaml).")
    data_docs_dir: Path | None = Field(
        Path("gx-data-docs"), description="Where the Great Expectations Data Docs site is built (empty: not built)."
    )
    slack_bot_token: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("SLACK_BOT_TOKEN", "LLM_VITALS_SLACK_BOT_TOKEN", "slack_bot_token"),
        description="Slack bot token (xoxb-...): posts with chat.postMessage to slack_channel.",
    )
    slack_token_secret_block: str | None = Field(
        None, description="Name of a Prefect Secret block holding the bot token (read by the flows)."
    )
    slack_channel: str | None = Field(None, description="Channel for alerts (ID or #name).")
    slack_webhook_url: SecretStr | None = Field(None, description="Incoming webhook URL, instead of a bot token.")
    slack_base_url: str = Field("https://slack.com/api/", description="Slack Web API base URL (GovSlack, tests).")
    slack_channels_by_severity: dict[str, str] = Field(
        default_factory=dict, description='Channel per severity, JSON: {"critical": "#llm-oncall"}.'
    )
    slack_channels_by_tenant: dict[str, str] = Field(
        default_factory=dict, description='Channel for alerts about one tenant, JSON: {"acme": "#acme-llm"}.'
    )
    slack_timeout_seconds: float = Field(10.0, gt=0, description="Timeout of one Slack request.")
    slack_retries: int = Field(2, ge=0, description="Retries of a Slack request (429: after Retry-After; 5xx, timeouts).")
    read_copy: bool = Field(
        True, description="After each writing step, publish the database as <db>.read.duckdb for analysts' long sessions."
    )
    lock_wait_seconds: float = Field(
        300.0, ge=0, description="How long a writing step waits for another process to release the database file."
    )
    query_timeout_seconds: float | None = Field(
        300.0, gt=0, description="`llm-vitals query` stops a query that runs longer than this.")
    query_wait_seconds: float = Field(
        30.0, ge=0, description="How long `llm-vitals query` waits for a writer when there is no read copy to answer from."
    )
    schedule_timezone: str = Field(
        "UTC", description="Timezone of the weekly-digest and monthly-review schedules (read by `prefect deploy`)."
    )
    alert_reminder_hours: float | None = Field(None, gt=0, description="Post again about an alert still open after this long (off by default).")

    @property
    def read_copy_path(self) -> Path:
        """Where the read copy is published: next to the database, `.read` before the suffix."""
        return self.db.with_name(f"{self.db.stem}.read{self.db.suffix or '.duckdb'}")

    @property
    def ingest_memory_cap_mb(self) -> int | None:
        """The memory limit an ingest batch runs under: ingest_memory_mb, unless memory_limit is set,
        it is 0, or it is above DuckDB's own default (80 % of RAM), which then stays."""
        if self.memory_limit or not self.ingest_memory_mb:
            return None
        ram_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
        return self.ingest_memory_mb if self.ingest_memory_mb < ram_mb * 0.8 else None

    @property
    def slack_configured(self) -> bool:
        """Whether alerts go to Slack (a bot token or Prefect Secret block and a channel, or a webhook)."""
        token = self.slack_bot_token or self.slack_token_secret_block
        return bool((token and (self.slack_channel or self.slack_channels_by_severity)) or self.slack_webhook_url)

    @field_validator("data_docs_dir", "thresholds", "slos", "slack_channel", "slack_bot_token", "slack_webhook_url",
                     "sources_file", "mapping", "preset", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("source", mode="before")
    @classmethod
    def _split_sources(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value
