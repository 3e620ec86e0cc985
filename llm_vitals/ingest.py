"""Ingest request logs (JSON Lines, CSV, Parquet files) into `requests`, in one transaction per batch.

Every line is parsed and validated in bulk by DuckDB (sql/ingest_parse.sql); Python only finds the
files, decides how much of each is new, and strings the statements together.
"""

import glob
import gzip
import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from llm_vitals import db, sqlfiles
from llm_vitals.errors import DatabaseError, SourceError

_KINDS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".parquet": "parquet",
}
_HEAD_BYTES = 64 * 1024


@dataclass(frozen=True)
class MappedLines:
    """How a mapped source's records become lines: the source_lines query that sql/ingest_parse.sql
    splices in (its records through the mapping `name`), the query of the price keys of its calls
    without a cost, and the values of their $parameters."""

    name: str
    lines: str
    price_keys: str
    values: dict[str, object]


@dataclass(frozen=True)
class SourceFile:
    """One file to read, with what it looked like when it was found. A source that is not a plain
    log file (a table, spans, a mapped shape) is kind `mapped`: `prepare` puts its records in a
    temp table where needed, `mapped` reads them through its mapping, `label` names it in
    source_file, and it keeps its own progress (`tracked` False: not in ingested_files)."""

    path: str
    kind: str
    size_bytes: int
    modified_at: datetime
    head_sha256: str
    ends_with_newline: bool
    label: str | None = None
    tracked: bool = True
    prepare: Callable[[duckdb.DuckDBPyConnection], None] | None = field(default=None, compare=False)
    mapped: MappedLines | None = field(default=None, compare=False)

    @property
    def name(self) -> str:
        """What `source_file` and rejected_records call this source."""
        return self.label or self.path

    @property
    def appendable(self) -> bool:
        """Whether new lines can be read from where the last run stopped (plain JSON Lines and CSV)."""
        return self.kind in ("jsonl", "csv") and not self.path.endswith(".gz")


@dataclass
class IngestSummary:
    """What one ingest run did; `rejected_by_reason` maps a reason (values elided) to its count."""

    batch_id: int | None = None
    files_found: int = 0
    files_read: int = 0
    files_unchanged: int = 0
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    priced_by_genai: int = 0
    unpriced: int = 0
    seconds: float = 0.0
    rejected_by_reason: dict[str, int] = field(default_factory=dict)


def merge(summaries: list[IngestSummary]) -> IngestSummary:
    """Adds up the summaries of several batches (a table source's pages, several sources)."""
    total = IngestSummary()
    for summary in summaries:
        total.batch_id = summary.batch_id if summary.batch_id is not None else total.batch_id
        for name in ("files_found", "files_read", "files_unchanged", "accepted", "rejected", "duplicates",
                     "priced_by_genai", "unpriced", "seconds"):
            setattr(total, name, getattr(total, name) + getattr(summary, name))
        for reason, count in summary.rejected_by_reason.items():
            total.rejected_by_reason[reason] = total.rejected_by_reason.get(reason, 0) + count
    return total


def discover(sources: list[str], *, suffixes: tuple[str, ...] | None = None) -> list[SourceFile]:
    """Returns the log files that the sources (files, folders or globs) name, sorted by path; with
    `suffixes`, the files ending so (plain or .gz), read as JSON Lines.

    Raises SourceError naming a source that matches no readable log file.
    """
    if not sources:
        raise SourceError(
            "No source given.", hint="Pass files, folders or globs to `llm-vitals ingest`, or set LLM_VITALS_SOURCE."
        )
    paths: set[str] = set()
    for source in sources:
        matched = _expand(source, suffixes)
        if not matched:
            names = ", ".join(suffixes) if suffixes else ".jsonl, .ndjson, .csv or .parquet"
            raise SourceError(
                f"Source `{source}` matched no {names} file (plain or .gz).",
                hint="Check LLM_VITALS_SOURCE or pass a path to `llm-vitals ingest`.",
            )
        paths.update(matched)
    return [_describe(path, "jsonl" if suffixes else None) for path in sorted(paths)]


def ingest(
    con: duckdb.DuckDBPyConnection,
    files: list[SourceFile],
    *,
    store_free_text: bool = False,
    max_line_bytes: int = 16 * 1024 * 1024,
    replace_range: tuple[datetime, datetime] | None = None,
    skip_stored: bool = False,
    before_commit: Callable[[duckdb.DuckDBPyConnection, int], None] | None = None,
) -> IngestSummary:
    """Appends what is new in `files` to `requests` as one batch: all of it, or (on any error) none.

    With replace_range (a backfill), the files are read again from their first line and their calls
    in [start, end) replace the ones they brought before; calls outside it are kept only if new.
    With skip_stored, calls already stored are left out without counting as duplicates (a source
    that re-reads an overlap on purpose). before_commit(con, batch_id) runs inside the transaction,
    so what it records (a source's watermark) commits with the batch or not at all."""
    started = time.perf_counter()
    started_at = datetime.now(UTC)
    summary = IngestSummary(files_found=len(files))
    db.run(con, "macros")
    done = _files_done(con)
    with db.transaction(con):
        batch_id = summary.batch_id = _next_batch_id(con)
        if replace_range is not None:
            paths = [source.path for source in files]
            db.run(con, "backfill_forget", paths=paths, range_start=replace_range[0], range_end=replace_range[1])
            done = {path: state for path, state in done.items() if path not in paths}
        for source in files:
            already = _lines_already_read(source, done.get(source.path)) if source.tracked else 0
            if already is None:
                summary.files_unchanged += 1
                continue
            if source.prepare is not None:
                source.prepare(con)
            lines_read = _ingest_file(con, source, already, batch_id, store_free_text, max_line_bytes)
            if source.tracked:
                db.run(con, "ingest_record_file", **_file_state(source, lines_read, batch_id))
            summary.files_read += 1
        if summary.files_read:
            if replace_range is not None or skip_stored:
                keep = replace_range or (None, None)
                db.run(con, "ingest_skip_stored", batch_id=batch_id, keep_start=keep[0], keep_end=keep[1])
            # after ingest_skip_stored (no range kept) no call of the batch is stored already
            db.run(con, "ingest_dedupe", batch_id=batch_id, stored_left_out=skip_stored and replace_range is None)
            summary.duplicates = con.execute("select count(*) from batch_duplicates").fetchall()[0][0]
            accepted, priced, unpriced, by_reason = db.fetch(con, "ingest_batch_summary", batch_id=batch_id)[0]
            summary.accepted, summary.priced_by_genai, summary.unpriced = accepted, priced, unpriced
            summary.rejected_by_reason = {row["reason"]: row["count"] for row in by_reason}
            summary.rejected = sum(summary.rejected_by_reason.values())
            summary.seconds = time.perf_counter() - started
            if before_commit is not None:
                before_commit(con, batch_id)
            con.execute(
                "insert into ingest_batches values (?, ?, now(), ?, ?, ?, ?, ?, ?, ?)",
                [batch_id, started_at, summary.files_read, summary.accepted, summary.rejected,
                 summary.duplicates, summary.priced_by_genai, summary.unpriced, summary.seconds],
            )
    summary.seconds = time.perf_counter() - started
    return summary


def _ingest_file(
    con: duckdb.DuckDBPyConnection,
    source: SourceFile,
    already: int,
    batch_id: int,
    store_free_text: bool,
    max_line_bytes: int,
) -> int:
    """Appends one file's new lines with their verdicts, moves rejects out; returns lines consumed in all."""
    skip = already if source.kind != "csv" else 0
    values = {
        "path": source.path,
        "source_name": source.name,
        "skip": skip,
        "max_line_bytes": max_line_bytes,
        "batch_id": batch_id,
        "store_free_text": store_free_text,
        **(source.mapped.values if source.mapped else {}),
    }
    lines = source.mapped.lines if source.mapped else sqlfiles.load(f"ingest_lines_{source.kind}")
    statement = sqlfiles.load("ingest_parse").replace("/* source_lines */", lines)
    try:
        db.run(con, "ingest_price_rates", rates=_price_rates(con, source, lines, values))
        if source.kind != "mapped":  # a mapped source's prepare step already scanned its lines
            con.execute("drop table if exists ingest_scan_errors")
            con.execute("drop table if exists ingest_scans")
        # DuckDB cannot estimate a text file's row count and would build the join's hash table on the
        # file's lines; keep the small price_rates as the build side so the lines stream through.
        con.execute("set disabled_optimizers = 'build_side_probe_side'")
        con.execute(statement, sqlfiles.parameters_for(statement, values))
        con.execute("reset disabled_optimizers")
    except (duckdb.IOException, duckdb.InvalidInputException, duckdb.ConversionException) as exc:
        raise SourceError(
            f"Cannot read {source.kind} file {source.path}: {_first_line(exc)}",
            hint="Check that the file is complete and of the kind its name says; the batch was rolled back.",
        ) from exc
    except duckdb.BinderException as exc:
        if source.mapped is None:
            raise DatabaseError(f"Ingesting {source.path} failed: {_first_line(exc)}") from exc
        raise SourceError(f"Mapping {source.mapped.name} cannot read {source.name}: {_first_line(exc)}",
                          hint="Check the mapping's column names and paths against the source.") from exc
    except duckdb.Error as exc:
        raise DatabaseError(f"Ingesting {source.path} failed: {_first_line(exc)}") from exc
    _ensure_scan_error_table(con)
    first_rowid, rows = con.execute(
        "select coalesce(min(rowid), 0), count(*) from requests where batch_id = ? and source_file = ?",
        [batch_id, source.name],
    ).fetchall()[0]
    scan_errors = con.execute("select count(*) from ingest_scan_errors").fetchall()[0][0]
    line_offset = 1 if source.kind == "csv" else skip
    consumed = line_offset + rows + scan_errors  # physical lines (or rows) through the last one read
    if source.appendable and not source.ends_with_newline and consumed > line_offset:
        consumed -= 1  # the last line is still being written: leave it for the next run
        _drop_line(con, batch_id, source.name, first_rowid + rows - 1, consumed + 1)
    if source.kind == "csv" and already > 1:
        # CSV is re-scanned from its header; the rows read by earlier runs are dropped again here.
        con.execute(
            "delete from requests where batch_id = ? and source_file = ? and rowid - ? < ?",
            [batch_id, source.name, first_rowid, already - 1],
        )
    db.run(
        con,
        "ingest_verdicts",
        source_name=source.name,
        batch_id=batch_id,
        first_rowid=first_rowid,
        line_offset=line_offset,
        max_line_bytes=max_line_bytes,
        skip_scan_lines_through=already if source.kind == "csv" else 0,
    )
    return consumed if source.kind != "parquet" else skip + rows


def _drop_line(con: duckdb.DuckDBPyConnection, batch_id: int, path: str, last_rowid: int, line_no: int) -> None:
    """Forgets an incomplete last line, whether the scanner rejected it or it reached `requests`."""
    if con.execute("select count(*) from ingest_scan_errors where line = ?", [line_no]).fetchall()[0][0]:
        con.execute("delete from ingest_scan_errors where line = ?", [line_no])
    else:
        con.execute("delete from requests where batch_id = ? and source_file = ? and rowid = ?", [batch_id, path, last_rowid])


def _ensure_scan_error_table(con: duckdb.DuckDBPyConnection) -> None:
    # read_parquet keeps no reject table; give the verdict statements an empty one.
    con.execute(
        "create temp table if not exists ingest_scan_errors "
        "(line bigint, csv_line varchar, error_type varchar, error_message varchar)"
    )


def _price_rates(con: duckdb.DuckDBPyConnection, source: SourceFile, lines: str, values: dict) -> list[dict]:
    """Returns genai-prices' per-token rates for the (provider, model, 30-minute bucket) keys of
    the file's calls that log no cost (possibly none)."""
    if source.mapped is not None:
        statement = source.mapped.price_keys
    elif source.kind == "jsonl":
        statement = sqlfiles.load("ingest_price_keys_jsonl")
    else:
        statement = sqlfiles.load("ingest_price_keys_rows").replace("/* source_lines */", lines)
    keys = con.execute(statement, sqlfiles.parameters_for(statement, values)).fetchall()
    if not keys:
        return []
    from llm_vitals import pricing  # genai-prices loads only when there is something to price

    return pricing.rates_rows([(provider, model, bucket) for provider, model, bucket in keys])


def _lines_already_read(source: SourceFile, done: tuple | None) -> int | None:
    """Returns how many lines of the file earlier runs consumed (0: read it all), or None to skip it."""
    if done is None:
        return 0
    size_bytes, modified_at, head_sha256, lines_read = done
    if (size_bytes, head_sha256) == (source.size_bytes, source.head_sha256) and modified_at == source.modified_at:
        return None
    if source.appendable and source.size_bytes > size_bytes and _same_head(source, head_sha256, size_bytes):
        return lines_read
    return 0  # rewritten: read again; request_id dedupe keeps calls from being counted twice


def _same_head(source: SourceFile, head_sha256: str, old_size: int) -> bool:
    if old_size >= _HEAD_BYTES:
        return source.head_sha256 == head_sha256
    with open(source.path, "rb") as handle:  # the old file was shorter than the head: hash its length
        return hashlib.sha256(handle.read(old_size)).hexdigest() == head_sha256


def _files_done(con: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    rows = con.execute("select path, size_bytes, modified_at, head_sha256, lines_read from ingested_files").fetchall()
    return {path: rest for path, *rest in rows}


def _file_state(source: SourceFile, lines_read: int, batch_id: int) -> dict[str, object]:
    return {
        "path": source.path,
        "kind": source.kind,
        "size_bytes": source.size_bytes,
        "modified_at": source.modified_at,
        "head_sha256": source.head_sha256,
        "lines_read": lines_read,
        "batch_id": batch_id,
    }


def _next_batch_id(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute(
        "select greatest((select coalesce(max(batch_id), 0) from ingest_batches),"
        " (select coalesce(max(batch_id), 0) from requests)) + 1"
    ).fetchall()[0][0]


def _expand(source: str, suffixes: tuple[str, ...] | None = None) -> list[str]:
    candidates: list[str]
    if os.path.isdir(source):
        candidates = [str(path) for path in Path(source).rglob("*") if path.is_file()]
    elif glob.has_magic(source):
        candidates = [path for path in glob.glob(source, recursive=True) if os.path.isfile(path)]
    elif os.path.isfile(source):
        candidates = [source]
    else:
        candidates = []
    if suffixes:
        return [os.path.abspath(path) for path in candidates if path.lower().removesuffix(".gz").endswith(suffixes)]
    return [os.path.abspath(path) for path in candidates if _kind_of(path)]


def _kind_of(path: str) -> str | None:
    name = path.lower().removesuffix(".gz")
    return _KINDS.get(os.path.splitext(name)[1])


def _describe(path: str, kind: str | None = None) -> SourceFile:
    stat = os.stat(path)
    with open(path, "rb") as handle:
        head = handle.read(min(_HEAD_BYTES, stat.st_size))
        handle.seek(max(stat.st_size - 1, 0))
        last_byte = handle.read(1)
    if path.endswith(".gz"):
        _check_gzip(path)
    return SourceFile(
        path=path,
        kind=kind or _kind_of(path) or "jsonl",
        size_bytes=stat.st_size,
        modified_at=datetime.fromtimestamp(stat.st_mtime, UTC),
        head_sha256=hashlib.sha256(head).hexdigest(),
        ends_with_newline=last_byte in (b"\n", b""),
    )


def _check_gzip(path: str) -> None:
    try:
        with gzip.open(path, "rb") as handle:
            handle.read(1)
    except OSError as exc:
        raise SourceError(f"File {path} ends in .gz but is not gzip data ({exc}).", hint="Rename or recompress it.") from exc


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0]
