"""Which reader a source needs, decided in one place: contract files, mapped files, OpenTelemetry
span files, or a database table, each with its mapping, into batches of llm_vitals.ingest.batch."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from llm_vitals import ingest
from llm_vitals.settings import Settings

if TYPE_CHECKING:  # the sources file loads only when one is named (a file ingest starts faster)
    from llm_vitals.ingest import source_config


def ingest_entry(con, settings: Settings, entry: source_config.SourceEntry,
                 progress: Callable[[str], None] | None = None) -> ingest.IngestSummary:
    """Ingests one named source of the sources file: files (contract, mapped, spans) or a table."""
    spec_name = entry.mapping or entry.preset or ("otel" if entry.kind == "otel" else None)
    if entry.kind != "sql":
        return _files(con, settings, [entry.location(settings.source_urls)], otel=entry.kind == "otel",
                      spec_name=spec_name, progress=progress)
    spec = _mapping(spec_name, entry.name)
    where = {**spec.source, **{k: v for k, v in {"table": entry.table, "query": entry.query, "watermark":
             entry.watermark, "key": entry.key}.items() if v is not None}}
    if entry.query:
        where.pop("table", None)
    return ingest.merge(_table(con, settings, entry.location(settings.source_urls), spec, where))


def ingest_locations(con, settings: Settings, locations: list[str],
                     progress: Callable[[str], None] | None = None) -> list[ingest.IngestSummary]:
    """Ingests files, folders, globs (one batch) and database URLs (a batch per page) with the
    settings' preset or mapping."""
    urls = [location for location in locations if is_url(location)]
    paths = [location for location in locations if not is_url(location)]
    spec_name = str(settings.mapping) if settings.mapping else settings.preset
    summaries = []
    if paths or not urls:
        summaries.append(_files(con, settings, paths, otel=settings.preset == "otel", spec_name=spec_name,
                                progress=progress))
    for url in urls:
        spec = _mapping(spec_name, "a database URL")
        summaries += _table(con, settings, url, spec, dict(spec.source))
    return summaries


def is_url(location: str) -> bool:
    """Whether a location is a database URL rather than a file, folder or glob (decided without
    importing SQLAlchemy, which costs a file ingest 0.3 s of start-up)."""
    return "://" in location and not location.startswith("file://")


def _files(con, settings: Settings, paths: list[str], *, otel: bool, spec_name: str | None,
           progress: Callable[[str], None] | None = None) -> ingest.IngestSummary:
    """Files in one batch: in the contract's shape, spans, or through a mapping. A mapped file is read
    again whole when it grows, so the calls it already brought are left out, not counted as duplicates.
    Mappings (and YAML) load only for spans and mapped files: a contract file starts faster."""
    if otel or spec_name:
        from llm_vitals.ingest import sources
    if otel:
        files = sources.otel_files(paths, _mapping(spec_name or "otel", "spans"), max_line_bytes=settings.max_line_bytes,
                                   store_free_text=settings.store_free_text)
    elif spec_name:
        files = sources.mapped_files(paths, _mapping(spec_name, "files"), max_line_bytes=settings.max_line_bytes,
                                     store_free_text=settings.store_free_text)
    else:
        files = ingest.discover(paths)
    return ingest.ingest(con, files, store_free_text=settings.store_free_text, max_line_bytes=settings.max_line_bytes,
                         final_line_wait_seconds=settings.final_line_wait_seconds,
                         skip_stored=otel or bool(spec_name), memory_cap_mb=settings.ingest_memory_cap_mb,
                         progress=progress)


def _table(con, settings: Settings, url: str, spec, where: dict) -> list[ingest.IngestSummary]:
    from llm_vitals.ingest import sql_source

    source = sql_source.table_source(url, spec, page_rows=settings.sql_page_rows,
                                     lookback_seconds=settings.sql_lookback_seconds, **where)
    return sql_source.ingest_table(con, source, store_free_text=settings.store_free_text,
                                   max_line_bytes=settings.max_line_bytes)


def _mapping(spec_name: str | None, what: str):
    from llm_vitals.errors import ConfigError
    from llm_vitals.ingest import mapping

    if not spec_name:
        raise ConfigError(f"Reading {what} needs a preset or a mapping.",
                          hint="Add --preset litellm (LiteLLM_SpendLogs) or --mapping FILE.yaml.")
    return mapping.load(spec_name)
