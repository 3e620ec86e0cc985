"""Sources that are not log files in the contract's shape: JSON Lines or CSV in any shape through a
mapping, OpenTelemetry GenAI spans (OTLP/JSON files), and SQL tables (llm_vitals/sql_source.py).
Each becomes a SourceFile of kind `mapped`: its prepare step puts the records in temp table
source_records where they need one, and its source_lines query reads them through the mapping
(the contract fields as text); the ingest then converts, validates, prices and stores them with
the same checks as any other file, in the same statement."""

from dataclasses import replace
from functools import partial

import duckdb

from llm_vitals import db, ingest, sqlfiles
from llm_vitals.errors import SourceError
from llm_vitals.ingest import mapping

OTEL_SUFFIXES = (".json", ".jsonl", ".ndjson")


def mapped_files(sources: list[str], spec: mapping.Mapping, *, max_line_bytes: int,
                 store_free_text: bool = False) -> list[ingest.SourceFile]:
    """JSON Lines or CSV files in any shape, read through `spec`."""
    out = []
    for found in ingest.discover(sources):
        columns = {name: "VARCHAR" for name in found.facts.csv_columns}
        prepare = partial(_prepare_file, kind=found.kind, columns=columns, max_line_bytes=max_line_bytes,
                          mapping_name=spec.name, keys=mapping.required_keys(spec, free_text=store_free_text))
        lines = mapped_lines(spec, records="source_records", record_is_line=found.kind == "jsonl",
                             store_free_text=store_free_text)
        out.append(replace(found, kind="mapped", prepare=prepare, mapped=lines))
    return out


def otel_files(sources: list[str], spec: mapping.Mapping, *, max_line_bytes: int,
               store_free_text: bool = False) -> list[ingest.SourceFile]:
    """OTLP/JSON span files (.json, .jsonl or .ndjson) read through `spec` (the `otel` preset by default)."""
    out = []
    for found in ingest.discover(sources, suffixes=OTEL_SUFFIXES):
        prepare = partial(_prepare_spans, max_line_bytes=max_line_bytes)
        lines = mapped_lines(spec, records="source_records", record_is_line=False, store_free_text=store_free_text)
        out.append(replace(found, kind="mapped", prepare=prepare, mapped=lines))
    return out


def mapped_lines(spec: mapping.Mapping, *, records: str, record_is_line: bool, store_free_text: bool = False,
                 values: dict[str, object] | None = None) -> ingest.MappedLines:
    """How the ingest reads `records` (a relation: temp table source_records, or a table page) through
    the mapping; `values` are the relation's own parameters. With `record_is_line`, the records are
    JSON Lines in source_records(record, is_unreadable)."""
    projection = mapping.projection(spec, record="record" if record_is_line else None, free_text=store_free_text)
    if record_is_line:
        lines, readable = sqlfiles.load("source_mapped_lines"), sqlfiles.load("source_jsonl_readable")
    else:
        lines, readable = sqlfiles.load("source_mapped").replace("/* records */", records), records
    keys = sqlfiles.load("ingest_price_keys_mapped").replace("/* records */", readable)
    return ingest.MappedLines(spec.name, projection.splice(lines), projection.splice(keys),
                              {**projection.params, **(values or {})})


def _prepare_file(con: duckdb.DuckDBPyConnection, path: str, compression: str, *, kind: str, columns: dict[str, str],
                  max_line_bytes: int, mapping_name: str, keys: list[list[str]]) -> None:
    values = {"path": path, "max_line_bytes": max_line_bytes, "compression": compression}
    if kind == "jsonl":
        statement = sqlfiles.load("source_jsonl_records").replace("/* source_lines */", sqlfiles.load("ingest_lines_jsonl"))
        con.execute(statement, sqlfiles.parameters_for(statement, values))
        present = db.fetch(con, "source_jsonl_keys")[0][0]
        missing = [" or ".join(group) for group in keys if present is not None and not set(group) & set(present)]
        if missing:  # as a CSV without the column: a misspelled key would otherwise reject every line
            raise SourceError(f"Mapping {mapping_name} reads key(s) {', '.join(missing)}, which no line of {path} has.",
                              hint="Check the mapping's keys against the file's lines (a misspelling rejects every line).")
    else:  # CSV: one text column per header name
        db.run(con, "source_csv_records", columns=columns, **values)


def _prepare_spans(con: duckdb.DuckDBPyConnection, path: str, compression: str, *, max_line_bytes: int) -> None:
    db.run(con, "source_otel_spans", path=path, max_line_bytes=max_line_bytes, compression=compression)
    for span_id, trace_id in db.fetch(con, "source_otel_ids_not_hex"):
        raise ingest.FileUnreadable(
            f"it is not the Collector's OTLP/JSON: span id {span_id!r} (trace id {trace_id!r}) is not hex;"
            " protobuf's MessageToJson writes ids in base64. Export with the Collector's file exporter"
            " (or OpenTelemetry's OTLP/JSON file exporter), which writes them in hex")
