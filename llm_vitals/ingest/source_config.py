"""The sources file: several named sources, each with its kind, location, preset or mapping and a
schedule hint, read by `llm-vitals ingest`/`monitor` and the monitor flow (LLM_VITALS_SOURCES_FILE).

    sources:
      - name: gateway
        kind: sql                       # sql, files or otel
        url_secret: gateway             # the URL is LLM_VITALS_SOURCE_URLS["gateway"] (a secret setting)
        preset: litellm
        schedule: every 15 minutes      # a hint for people; the deployment's schedule runs it
      - name: app-logs
        kind: files
        path: /var/log/llm/*.jsonl
        mapping: mappings/app.yaml      # without one, the files are in the contract's shape
      - name: traces
        kind: otel
        path: /var/otel/exports/
"""

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError, model_validator

from llm_vitals.errors import ConfigError


class SourceEntry(BaseModel):
    """One named source."""

    model_config = ConfigDict(extra="forbid")

    name: str
    kind: Literal["sql", "files", "otel"]
    url: str | None = None
    url_secret: str | None = None
    path: str | None = None
    table: str | None = None
    query: str | None = None
    watermark: str | None = None
    key: str | None = None
    preset: Literal["litellm", "otel"] | None = None
    mapping: str | None = None
    schedule: str | None = None

    @model_validator(mode="after")
    def _where(self) -> "SourceEntry":
        if self.kind == "sql" and (self.url is None) == (self.url_secret is None):
            raise ValueError("a sql source needs exactly one of url and url_secret")
        if self.kind != "sql" and not self.path:
            raise ValueError(f"a {self.kind} source needs a path (file, folder or glob)")
        return self

    def location(self, source_urls: dict[str, SecretStr]) -> str:
        """The path, or the URL: given, or the one named by url_secret in the settings' source_urls."""
        if self.kind != "sql":
            return str(self.path)
        if self.url_secret is None:
            return str(self.url)
        if self.url_secret not in source_urls:
            raise ConfigError(f"Source {self.name!r}: no URL named {self.url_secret!r} in LLM_VITALS_SOURCE_URLS.",
                              hint='Set it as JSON on the machine that runs the ingest: {"' + self.url_secret + '": "postgresql+psycopg://..."}.')
        return source_urls[self.url_secret].get_secret_value()


def load(path: Path) -> list[SourceEntry]:
    """Reads and validates a sources file; errors name the source and the field."""
    try:
        raw = yaml.safe_load(Path(path).read_text())
    except FileNotFoundError:
        raise ConfigError(f"Sources file {path} does not exist.", hint="Check LLM_VITALS_SOURCES_FILE.") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"Sources file {path} is not valid YAML: {exc}") from None
    entries = raw.get("sources") if isinstance(raw, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"Sources file {path} needs a non-empty `sources:` list.")
    out = []
    for number, entry in enumerate(entries, 1):
        try:
            out.append(SourceEntry.model_validate(entry))
        except ValidationError as exc:
            problem = exc.errors()[0]
            where = ".".join(str(p) for p in problem["loc"]) or "entry"
            name = entry.get("name", f"#{number}") if isinstance(entry, dict) else f"#{number}"
            raise ConfigError(f"Sources file {path}, source {name!r}, {where}: {problem['msg']}.") from None
    names = [entry.name for entry in out]
    if len(set(names)) != len(names):
        raise ConfigError(f"Sources file {path}: source names must be unique.")
    return out
