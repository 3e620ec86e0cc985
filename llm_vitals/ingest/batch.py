"""Ingest request logs (JSON Lines, CSV, Parquet files) into `requests`, in one transaction per batch.

Every line is parsed and validated in bulk by DuckDB (sql/ingest_parse.sql); Python only finds the
files, decides which of their bytes are new, and strings the statements together. Nothing a file
holds can stop a batch: a bad record is rejected with its line number, and a file that cannot be
read at all is refused by name, left for the next run, while the other files go in.
"""

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from llm_vitals import db, sqlfiles
from llm_vitals.errors import DatabaseError, SourceError
from llm_vitals.ingest import log_files
from llm_vitals.ingest.log_files import FileFacts


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
    """One file to read, with what it looked like when it was found (`facts`; None for a page a
    table source wrote itself). `kind` is how sql/ingest_parse.sql reads it (jsonl, csv, parquet, or
    mapped: through `mapped`, after `prepare(con, path, compression)` put its records in a temp table where
    needed); `layout` is the shape of its bytes (jsonl, csv, parquet), which decides how new lines
    are found. `label` names it in source_file; an untracked source keeps its own progress."""

    path: str
    kind: str
    layout: str
    facts: FileFacts | None
    label: str | None = None
    tracked: bool = True
    prepare: Callable[[duckdb.DuckDBPyConnection, str, str], None] | None = field(default=None, compare=False)
    mapped: MappedLines | None = field(default=None, compare=False)

    @property
    def name(self) -> str:
        """What `source_file` and rejected_records call this source."""
        return self.label or self.path

    @property
    def appendable(self) -> bool:
        """Whether new lines can be read from where the last run stopped (plain contract JSON Lines and CSV)."""
        return self.kind in ("jsonl", "csv") and self.facts is not None and not self.facts.compressed


@dataclass
class IngestSummary:
    """What one ingest run did; `rejected_by_reason` maps a reason (values elided) to its count,
    `refused` a file that could not be read to why (it is read again on the next run)."""

    batch_id: int | None = None
    files_found: int = 0
    files_read: int = 0
    files_unchanged: int = 0
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    blank: int = 0
    waiting: int = 0  # last lines without a line ending yet, left for the next run
    priced_by_genai: int = 0
    unpriced: int = 0
    seconds: float = 0.0
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)


def merge(summaries: list[IngestSummary]) -> IngestSummary:
    """Adds up the summaries of several batches (a table source's pages, several sources)."""
    total = IngestSummary()
    for summary in summaries:
        total.batch_id = summary.batch_id if summary.batch_id is not None else total.batch_id
        for name in ("files_found", "files_read", "files_unchanged", "accepted", "rejected", "duplicates", "blank",
                     "waiting", "priced_by_genai", "unpriced", "seconds"):
            setattr(total, name, getattr(total, name) + getattr(summary, name))
        for reason, count in summary.rejected_by_reason.items():
            total.rejected_by_reason[reason] = total.rejected_by_reason.get(reason, 0) + count
        total.refused.update(summary.refused)
    return total


def discover(sources: list[str], *, suffixes: tuple[str, ...] | None = None) -> list[SourceFile]:
    """Returns the log files that the sources (files, folders or globs) name, sorted by path, each
    once; with `suffixes`, the files ending so (plain or .gz), read as JSON Lines.

    Raises SourceError naming a source that matches no readable log file, or a file that cannot be opened.
    """
    if not sources:
        raise SourceError(
            "No source given.", hint="Pass files, folders or globs to `llm-vitals ingest`, or set LLM_VITALS_SOURCE."
        )
    paths, empty = log_files.find(sources, suffixes)
    if empty:
        names = ", ".join(suffixes) if suffixes else ".jsonl, .ndjson, .csv or .parquet"
        raise SourceError(
            f"Source `{empty[0]}` matched no {names} file (plain or .gz).",
            hint="Check LLM_VITALS_SOURCE or pass a path to `llm-vitals ingest`.",
        )
    out = []
    for path in paths:
        kind = "jsonl" if suffixes else log_files.kind_of(path)
        out.append(SourceFile(path, kind, kind, log_files.describe(path, csv_header=kind == "csv")))
    return out


def ingest(
    con: duckdb.DuckDBPyConnection,
    files: list[SourceFile],
    *,
    store_free_text: bool = False,
    max_line_bytes: int = 16 * 1024 * 1024,
    final_line_wait_seconds: float = 300.0,
    replace_range: tuple[datetime, datetime] | None = None,
    skip_stored: bool = False,
    memory_cap_mb: int | None = None,
    before_commit: Callable[[duckdb.DuckDBPyConnection, int], None] | None = None,
    progress: Callable[[str], None] | None = None,
) -> IngestSummary:
    """Appends what is new in `files` to `requests` as one batch: all of it, or (on any error) none.

    A file DuckDB cannot read (a broken gzip stream, a CSV quote that never closes) is refused: the
    batch is done again without it, and it waits for the next run. A last line without a line
    ending waits too, until the file has not changed for final_line_wait_seconds (then it is whole).
    With replace_range (a backfill), the files are read again from their first line and their calls
    in [start, end) replace the ones they brought before; calls outside it are kept only if new.
    With skip_stored, calls already stored are left out without counting as duplicates (a source
    that re-reads an overlap on purpose). With memory_cap_mb, DuckDB's memory limit is that many MiB
    while the batch runs and while it is checkpointed into the file (DuckDB's default after): a
    batch streams, so its peak stays near the cap at no cost in time. before_commit(con, batch_id) runs inside the transaction,
    so what it records (a source's watermark) commits with the batch or not at all. progress, when
    given, is told each step of the batch as it starts (a file, the duplicates, the commit), so a
    terminal shows the run moving after DuckDB's bar for a file's statement has ended."""
    started = time.perf_counter()
    options = _Options(store_free_text, max_line_bytes, final_line_wait_seconds, replace_range, skip_stored, before_commit,
                       progress or (lambda _message: None))
    refused: dict[str, str] = {}
    db.run(con, "macros")
    if memory_cap_mb is not None:
        db.run(con, "ingest_memory_cap", limit=f"{memory_cap_mb}MiB")
    try:
        summary = _attempts(con, files, options, refused)
        if memory_cap_mb is not None and summary.files_read:
            db.run(con, "checkpoint")  # writing the batch into the file peaks too: under the cap, not at close
    finally:
        if memory_cap_mb is not None:
            db.run(con, "ingest_memory_cap_reset")
    summary.files_found = len(files)
    summary.refused = refused
    summary.seconds = time.perf_counter() - started
    return summary


def _attempts(con, files: list[SourceFile], options: "_Options", refused: dict[str, str]) -> "IngestSummary":
    """Does the batch, again without a file DuckDB cannot read (or again from a copy of it with LF
    endings) until it goes through; `refused` gets the files left out and why."""
    normalize: set[str] = set()
    while True:
        scratch = Path(tempfile.mkdtemp(prefix="llm-vitals-ingest-"))
        try:
            summary = _batch(con, [f for f in files if f.path not in refused], options, _Reading(scratch, normalize), refused)
        except _FileFailed as failed:
            if failed.normalize and failed.source.path not in normalize:
                normalize.add(failed.source.path)  # mixed line endings: read it again from a copy with LF endings
            elif failed.source.tracked:
                refused[failed.source.path] = failed.reason
            else:
                raise SourceError(f"Cannot read {failed.source.name}: {failed.reason}",
                                  hint="The batch was rolled back; nothing of it was stored.") from None
            continue
        finally:
            log_files.remove_tree(scratch)
        return summary


@dataclass(frozen=True)
class _Options:
    store_free_text: bool
    max_line_bytes: int
    final_line_wait_seconds: float
    replace_range: tuple[datetime, datetime] | None
    skip_stored: bool
    before_commit: Callable[[duckdb.DuckDBPyConnection, int], None] | None
    progress: Callable[[str], None]


@dataclass
class _Reading:
    """Where one attempt at a batch keeps its copies, and which files are read with LF endings."""

    scratch: Path
    normalize: set[str]


class FileUnreadable(Exception):
    """Raised by a source's prepare step: this file is not what the source reads (the message says
    why and what to do); it is refused by name, and the other files go in."""


class _FileFailed(Exception):
    """One file could not be read; the batch is done again without it (or from a copy with LF endings)."""

    def __init__(self, source: SourceFile, reason: str, *, normalize: bool = False):
        super().__init__(reason)
        self.source, self.reason, self.normalize = source, reason, normalize


@dataclass(frozen=True)
class _Plan:
    """Which bytes of a file this run reads: [start, end), after `lines_before` lines read by earlier
    runs; from the file itself (`direct`) or from a stable copy; `waiting` when a last line without
    a line ending is left for the next run."""

    start: int
    end: int
    lines_before: int
    direct: bool
    waiting: bool


def _batch(con, files: list[SourceFile], options: _Options, reading: _Reading, refused: dict[str, str]) -> IngestSummary:
    summary = IngestSummary()
    started_at = datetime.now(UTC)
    done = _files_done(con)
    with db.transaction(con):
        batch_id = summary.batch_id = _next_batch_id(con)
        if options.replace_range is not None:
            paths = [source.path for source in files]
            db.run(con, "backfill_forget", paths=paths, range_start=options.replace_range[0],
                   range_end=options.replace_range[1])
            done = {path: state for path, state in done.items() if path not in paths}
        for number, source in enumerate(files, start=1):
            plan = _plan(source, done.get(source.path) if source.tracked else None, options.final_line_wait_seconds,
                         source.path in reading.normalize)
            if plan is None:
                summary.files_unchanged += 1
                continue
            summary.waiting += plan.waiting
            if plan.waiting and plan.end <= plan.start:
                summary.files_unchanged += 1  # nothing new but a last line still being written
                continue
            options.progress(f"batch {batch_id}: reading {source.name} ({number} of {len(files)} files)")
            lines, bytes_read, blank = _ingest_file(con, source, plan, batch_id, options, reading)
            summary.blank += blank
            if source.tracked:
                db.run(con, "ingest_record_file", **_file_state(source, lines, bytes_read, batch_id))
            summary.files_read += 1
        if summary.files_read:
            options.progress(f"batch {batch_id}: leaving out copies of calls already stored")
            since, until = db.fetch(con, "ingest_batch_span", batch_id=batch_id)[0]
            if options.replace_range is not None or options.skip_stored:
                keep = options.replace_range or (None, None)
                db.run(con, "ingest_skip_stored", batch_id=batch_id, keep_start=keep[0], keep_end=keep[1],
                       since=since, until=until)
            # after ingest_skip_stored (no range kept) no call of the batch is stored already
            db.run(con, "ingest_dedupe", batch_id=batch_id,
                   stored_left_out=options.skip_stored and options.replace_range is None, since=since, until=until)
            summary.duplicates = db.fetch(con, "ingest_duplicates_count")[0][0]
            accepted, priced, unpriced, by_reason = db.fetch(con, "ingest_batch_summary", batch_id=batch_id)[0]
            summary.accepted, summary.priced_by_genai, summary.unpriced = accepted, priced, unpriced
            summary.rejected_by_reason = {row["reason"]: row["count"] for row in by_reason}
            summary.rejected = sum(summary.rejected_by_reason.values())
            if options.before_commit is not None:
                options.before_commit(con, batch_id)
            db.run(con, "ingest_record_batch", batch_id=batch_id, started_at=started_at, files_read=summary.files_read,
                   accepted=summary.accepted, rejected=summary.rejected, duplicates=summary.duplicates,
                   priced_by_genai=summary.priced_by_genai, unpriced=summary.unpriced,
                   seconds=(datetime.now(UTC) - started_at).total_seconds(), blank=summary.blank, waiting=summary.waiting)
        for path, reason in refused.items():
            db.run(con, "ingest_refused_file", batch_id=batch_id, path=path, reason=reason)
        options.progress(f"batch {batch_id}: committing")
    db.run(con, "ingest_drop_rejected")  # after the commit, where it costs milliseconds, not a rewrite
    options.progress(f"batch {batch_id}: committed")
    return summary


def _plan(source: SourceFile, done: tuple | None, final_line_wait_seconds: float, normalize: bool) -> _Plan | None:
    """Returns what this run reads of the file, or None when nothing in it is new since the last run."""
    facts = source.facts
    if facts is None:
        return _Plan(0, 0, 0, True, False)  # a page a table source wrote: read whole, once
    settled = (datetime.now(UTC) - facts.modified_at).total_seconds() >= final_line_wait_seconds
    start, lines_before = 0, 0
    if done is not None:
        size_bytes, modified_at, head_sha256, lines_read, bytes_read = done
        same = (size_bytes, head_sha256, modified_at) == (facts.size_bytes, facts.head_sha256, facts.modified_at)
        if same and (bytes_read is None or bytes_read >= size_bytes or source.layout == "parquet"):
            return None
        if same and not settled:
            return _Plan(bytes_read, bytes_read, lines_read, False, True)  # its last line still has no line ending
        if source.appendable and bytes_read is not None and facts.size_bytes >= size_bytes \
                and log_files.same_head(facts, head_sha256, size_bytes):
            start, lines_before = bytes_read, lines_read  # grown: only its new lines
    if source.layout == "parquet" or facts.compressed:
        return _Plan(0, facts.size_bytes, 0, not normalize, False)  # read whole: a compressed file is complete
    end = facts.size_bytes if settled else max(facts.tail_start, start)
    # CSV is always read from a copy: the copy is where the empty lines DuckDB skips are counted
    direct = start == 0 and end == facts.size_bytes and not normalize and source.layout != "csv"
    return _Plan(start, end, lines_before, direct, end < facts.size_bytes)


def _ingest_file(con, source: SourceFile, plan: _Plan, batch_id: int, options: _Options,
                 reading: _Reading) -> tuple[int, int, int]:
    """Appends the planned lines with their verdicts and copies rejects out; returns the lines read
    through (counting earlier runs'), the bytes read through, and the blank lines skipped."""
    read_path, line_offset, error_shift, skipped = _prepare_read(source, plan, reading)
    rows = _scan(con, source, read_path, batch_id, options)
    if plan.direct and source.facts is not None and source.layout != "parquet" and not source.facts.unchanged():
        # The file changed while DuckDB read it: what it read may go past what was found. Read
        # exactly the bytes found, from a copy.
        db.run(con, "ingest_file_forget", batch_id=batch_id, source_name=source.name)
        copy_plan = _Plan(plan.start, plan.end, plan.lines_before, False, plan.waiting)
        read_path, line_offset, error_shift, skipped = _prepare_read(source, copy_plan, reading)
        rows, plan = _scan(con, source, read_path, batch_id, options), copy_plan
    _refuse_swallowed_quote(con, source, error_shift)
    first_rowid, blank = db.fetch(con, "ingest_file_first_row", batch_id=batch_id, source_name=source.name)[0]
    db.run(con, "ingest_skipped_lines", lines=skipped)
    error_lines = db.fetch(con, "ingest_scan_error_lines")[0][0]
    db.run(con, "ingest_verdicts", source_name=source.name, batch_id=batch_id, first_rowid=first_rowid,
           line_offset=line_offset, error_shift=error_shift, layout=source.layout, max_line_bytes=options.max_line_bytes)
    lines = line_offset + rows + error_lines + len(skipped)  # lines (or rows) through the last one read
    return lines, plan.end, blank + len(skipped)


def _prepare_read(source: SourceFile, plan: _Plan, reading: _Reading) -> tuple[str, int, int, list[int]]:
    """Returns the path DuckDB reads (the file, or a copy of its planned bytes), the lines before the
    first data row it holds, what turns the line numbers DuckDB reports into the file's, and the
    empty lines of a CSV copy (as DuckDB would number them), which its reader skips."""
    header = 1 if source.layout == "csv" else 0
    if plan.direct or source.facts is None:
        return source.path, header, 0, []
    target = reading.scratch / f"{len(list(reading.scratch.iterdir()))}.{source.layout}"
    try:
        skipped = log_files.copy_region(source.facts, plan.start, plan.end, target, header=header == 1,
                                        csv_blank_lines=header == 1)
    except (OSError, EOFError) as exc:
        raise _FileFailed(source, f"it could not be read ({exc}); it is read again on the next run") from None
    except SourceError as exc:
        raise _FileFailed(source, str(exc)) from None
    if plan.start == 0:
        return str(target), header, 0, skipped
    return str(target), plan.lines_before, plan.lines_before - header, skipped


def _scan(con, source: SourceFile, read_path: str, batch_id: int, options: _Options) -> int:
    """Runs sql/ingest_parse.sql over read_path; returns the rows it appended."""
    values = {
        "path": read_path,
        "source_name": source.name,
        "columns": {name: "VARCHAR" for name in (source.facts.csv_columns if source.facts else ())},
        # a copy is plain; the file itself is read as its bytes say (a gzip file may be named .jsonl)
        "compression": "gzip" if read_path == source.path and source.facts and source.facts.compressed else "none",
        "max_line_bytes": options.max_line_bytes,
        "batch_id": batch_id,
        "store_free_text": options.store_free_text,
        **(source.mapped.values if source.mapped else {}),
    }
    if source.layout == "csv" and not values["columns"]:
        raise _FileFailed(source, "it has no header line naming its columns")
    lines = source.mapped.lines if source.mapped else sqlfiles.load(f"ingest_lines_{source.kind}")
    statement = sqlfiles.load("ingest_parse").replace("/* source_lines */", lines)
    try:
        db.run(con, "ingest_scan_reset")
        if source.prepare is not None:
            source.prepare(con, read_path, values["compression"])
        db.run(con, "ingest_price_rates", rates=_price_rates(con, source, lines, values))
        before = _rows(con, batch_id, source.name)
        con.execute(statement, sqlfiles.parameters_for(statement, values))
        _ensure_scan_error_table(con)
    except FileUnreadable as exc:
        raise _FileFailed(source, str(exc)) from exc
    except (duckdb.IOException, duckdb.InvalidInputException, duckdb.ConversionException) as exc:
        message = _first_line(exc)
        raise _FileFailed(source, f"DuckDB cannot read it as {source.layout}: {message}",
                          normalize="state machine reached an invalid state" in message
                          or "Error when sniffing" in message) from exc
    except duckdb.BinderException as exc:
        if source.mapped is None:
            raise DatabaseError(f"Ingesting {source.path} failed: {_first_line(exc)}") from exc
        raise SourceError(f"Mapping {source.mapped.name} cannot read {source.name}: {_first_line(exc)}",
                          hint="Check the mapping's column names and paths against the source.") from exc
    except duckdb.Error as exc:
        raise DatabaseError(f"Ingesting {source.path} failed: {_first_line(exc)}") from exc
    return _rows(con, batch_id, source.name) - before


def _refuse_swallowed_quote(con, source: SourceFile, error_shift: int) -> None:
    """A CSV quote that never closes makes DuckDB read the rest of the file as one value: refuse the
    file, naming the line, rather than lose the lines after it."""
    if source.layout != "csv":
        return
    swallowed = db.fetch(con, "ingest_swallowed_quote")[0][0]
    if swallowed is not None:
        raise _FileFailed(source, f"line {swallowed + error_shift} opens a quote that never closes, so every line after"
                                  " it would be read as one value; fix the quote and it is read on the next run")


def _rows(con, batch_id: int, name: str) -> int:
    return db.fetch(con, "ingest_file_rows", batch_id=batch_id, source_name=name)[0][0]


def _ensure_scan_error_table(con: duckdb.DuckDBPyConnection) -> None:
    db.run(con, "ingest_scan_errors_empty")  # read_parquet keeps no reject table


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
    from llm_vitals.ingest import pricing  # genai-prices loads only when there is something to price

    return pricing.rates_rows([(provider, model, bucket) for provider, model, bucket in keys])


def _files_done(con: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    rows = db.fetch(con, "ingest_files_done")
    return {path: rest for path, *rest in rows}


def _file_state(source: SourceFile, lines_read: int, bytes_read: int, batch_id: int) -> dict[str, object]:
    return {
        "path": source.path,
        "kind": source.kind,
        "size_bytes": source.facts.size_bytes,
        "modified_at": source.facts.modified_at,
        "head_sha256": source.facts.head_sha256,
        "lines_read": lines_read,
        "bytes_read": bytes_read,
        "batch_id": batch_id,
    }


def _next_batch_id(con: duckdb.DuckDBPyConnection) -> int:
    return db.fetch(con, "ingest_next_batch_id")[0][0]


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0]
