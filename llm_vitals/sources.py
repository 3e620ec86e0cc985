"""Sources that are not log files in the contract's shape: JSON Lines or CSV in any shape through a
mapping, OpenTelemetry GenAI spans (OTLP/JSON files), and SQL tables (llm_vitals/sql_source.py).
Each becomes a SourceFile of kind `mapped` whose prepare step fills temp table mapped_lines with
contract JSON, in DuckDB; the ingest then validates, prices and stores it like any other file."""

from dataclasses import replace
from functools import partial

import duckdb

from llm_vitals import db, ingest, mapping, sqlfiles
from llm_vitals.errors import SourceError

OTEL_SUFFIXES = (".json", ".jsonl", ".ndjson")


def mapped_files(sources: list[str], spec: mapping.Mapping, *, max_line_bytes: int,
                 store_free_text: bool = False) -> list[ingest.SourceFile]:
    """JSON Lines or CSV files in any shape, read through `spec`."""
    out = []
    for found in ingest.discover(sources):
        prepare = partial(_prepare_file, spec=spec, kind=found.kind, path=found.path, max_line_bytes=max_line_bytes,
                          store_free_text=store_free_text)
        out.append(replace(found, kind="mapped", prepare=prepare))
    return out


def otel_files(sources: list[str], spec: mapping.Mapping, *, max_line_bytes: int,
               store_free_text: bool = False) -> list[ingest.SourceFile]:
    """OTLP/JSON span files (.json, .jsonl or .ndjson) read through `spec` (the `otel` preset by default)."""
    out = []
    for found in ingest.discover(sources, suffixes=OTEL_SUFFIXES):
        prepare = partial(_prepare_spans, spec=spec, path=found.path, max_line_bytes=max_line_bytes,
                          store_free_text=store_free_text)
        out.append(replace(found, kind="mapped", prepare=prepare))
    return out


def fill_mapped_lines(con: duckdb.DuckDBPyConnection, spec: mapping.Mapping, *, record_is_line: bool,
                      store_free_text: bool = False) -> None:
    """Turns temp table source_records into contract JSON in temp table mapped_lines."""
    raw, extra, params = mapping.projection(spec, record="record" if record_is_line else None, free_text=store_free_text)
    statement = sqlfiles.load("source_mapped_lines" if record_is_line else "source_mapped")
    statement = statement.replace("/* projection */", raw).replace("/* extra */", extra)
    # the statement's own parameter comes first in the text, then the projection's, in order
    try:
        con.execute(statement, params)
    except duckdb.Error as exc:
        raise SourceError(f"Mapping {spec.name} could not be applied: {str(exc).splitlines()[0]}",
                          hint="Check the mapping's column names against the source.") from exc


def _prepare_file(con: duckdb.DuckDBPyConnection, *, spec, kind: str, path: str, max_line_bytes: int,
                  store_free_text: bool) -> None:
    con.execute("drop table if exists ingest_scan_errors")
    con.execute("drop table if exists ingest_scans")
    if kind == "jsonl":
        lines = sqlfiles.load("ingest_lines_jsonl")
        values = {"path": path, "skip": 0, "max_line_bytes": max_line_bytes}
        con.execute(f"create or replace temp table source_records as select raw as record from ({lines})",
                    sqlfiles.parameters_for(lines, values))
        fill_mapped_lines(con, spec, record_is_line=True, store_free_text=store_free_text)
    else:  # CSV: one text column per header name
        db.run(con, "source_csv_records", path=path, max_line_bytes=max_line_bytes)
        fill_mapped_lines(con, spec, record_is_line=False, store_free_text=store_free_text)


def _prepare_spans(con: duckdb.DuckDBPyConnection, *, spec, path: str, max_line_bytes: int,
                   store_free_text: bool) -> None:
    con.execute("drop table if exists ingest_scan_errors")
    db.run(con, "source_otel_spans", path=path, max_line_bytes=max_line_bytes)
    fill_mapped_lines(con, spec, record_is_line=False, store_free_text=store_free_text)
