"""The one settings object. Built once at the edge (CLI or flow entry) and passed down."""

from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    """Every field can be set by the environment variable LLM_VITALS_<NAME> or by a CLI option."""

    model_config = SettingsConfigDict(env_prefix="LLM_VITALS_", extra="ignore")

    db: Path = Field(Path("llm-vitals.duckdb"), description="The DuckDB file llm-vitals writes and queries.")
    source: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Files, folders or globs to ingest (comma-separated in the environment variable).",
    )
    store_free_text: bool = Field(
        False,
        description="Store prompt/response/messages, with e-mail addresses, phone and card numbers and API keys redacted.",
    )
    max_line_bytes: int = Field(
        16 * 1024 * 1024, ge=1024, description="Longest JSON line or CSV row accepted; longer ones are rejected."
    )
    threads: int | None = Field(None, ge=1, description="DuckDB worker threads (default: one per core).")
    memory_limit: str | None = Field(
        "1800MB",
        description="DuckDB memory limit; keeps a 10-million-call metrics run under 2 GiB (raise it for speed).",
    )
    demo_dir: Path = Field(Path("llm-vitals-demo"), description="Where `llm-vitals demo` writes its logs and database.")

    @field_validator("source", mode="before")
    @classmethod
    def _split_sources(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value
