"""Table sources through SQLAlchemy: a table or a query, read incrementally.

Rows are read in (watermark, key) order, in pages of `page_rows`, each page one ingest batch whose
transaction also records the page's last (watermark, key) in table source_watermarks: a crash or a
failed query leaves neither a partial page nor a watermark past what was stored. Each run starts
`lookback` before the stored watermark, so rows committed late (an earlier timestamp, committed
after the mark passed it) or with a timestamp equal to the mark are read again; the calls already
stored are left out without counting as duplicates, so none is lost and none doubled.

A page goes to a temporary CSV file, never to Python objects: PostgreSQL writes it with COPY ... TO
STDOUT (bytes straight from the server, one libpq call per row); other databases through
SQLAlchemy's streamed results. A reader thread writes the next pages while DuckDB stores the
current one, reading the file through the source's mapping (the `litellm` preset, or any mapping
file) in the statement that checks and stores it. The URL's password never reaches a log line,
an error, a table or the source's name: every message is scrubbed of it.
"""

import contextlib
import csv
import queue
import re
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import partial
from pathlib import Path

import duckdb
import sqlalchemy as sa

from llm_vitals import db, ingest, sqlfiles
from llm_vitals.errors import ConfigError, SourceError
from llm_vitals.ingest import mapping
from llm_vitals.ingest.sources import mapped_lines

_QUALIFIED = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?")


@dataclass(frozen=True)
class TableSource:
    """Where the rows are (a URL and a table or query), how to page them, and how to map them."""

    url: str
    spec: mapping.Mapping
    table: str | None = None
    query: str | None = None
    watermark: str = "startTime"
    key: str = "request_id"
    page_rows: int = 500_000
    lookback: timedelta = timedelta(minutes=10)

    @property
    def name(self) -> str:
        """The source's name in source_file, rejected_records and source_watermarks: no password."""
        shown = shown_url(self.url)
        return f"{shown} {self.table}" if self.table else f"{shown} (query)"

    def scrub(self, text: str) -> str:
        """Removes the URL's secrets (its password, as user:pass@ or ?password=) from a message."""
        for secret in _secrets(sa.make_url(self.url)):
            text = text.replace(secret, "***")
        return text


_SECRET_PARAMETERS = {"password", "passwd", "pwd", "pass", "sslpassword", "token", "secret", "api_key", "apikey",
                      "access_token", "private_key", "sslkey_password"}


def shown_url(url: str) -> str:
    """The URL as it may be shown: its password, and every query parameter that holds a secret, as ***."""
    parsed = sa.make_url(url)
    hidden = {key: ("***" if key.lower() in _SECRET_PARAMETERS else value) for key, value in parsed.query.items()}
    return parsed.set(query=hidden).render_as_string(hide_password=True).replace("%2A%2A%2A", "***")


def _secrets(parsed: sa.URL) -> list[str]:
    values = [parsed.password] if parsed.password else []
    for key, value in parsed.query.items():
        if key.lower() in _SECRET_PARAMETERS:
            values += [value] if isinstance(value, str) else list(value)
    return [str(value) for value in values if str(value)]


def table_source(url: str, spec: mapping.Mapping, *, table: str | None = None, query: str | None = None,
                 watermark: str | None = None, key: str | None = None, page_rows: int | None = None,
                 lookback_seconds: float | None = None) -> TableSource:
    """Validates a table source's settings; raises ConfigError naming the problem (never the password)."""
    try:
        sa.make_url(url)
    except sa.exc.ArgumentError:
        raise ConfigError("The source URL is not a SQLAlchemy database URL.",
                          hint="Write it as dialect+driver://user@host/database, e.g. postgresql+psycopg://app@db/llm.") from None
    if (table is None) == (query is None):
        raise ConfigError("A table source needs exactly one of a table and a query.",
                          hint="Give the table (schema.table) or a SELECT in the sources file; presets name their table.")
    for label, name in (("table", table), ("watermark column", watermark), ("key column", key)):
        if name is not None and not _QUALIFIED.fullmatch(name):
            raise ConfigError(f"The {label} {name!r} is not a plain (optionally schema-qualified) name.")
    values = {"watermark": watermark, "key": key, "page_rows": page_rows,
              "lookback": None if lookback_seconds is None else timedelta(seconds=lookback_seconds)}
    source = TableSource(url, spec, table, query, **{k: v for k, v in values.items() if v is not None})
    if source.watermark == source.key:
        raise ConfigError(f"The watermark and the key of {source.name} are both {source.key!r}.",
                          hint="The key breaks ties between rows with the same watermark: give a unique column, e.g. the id.")
    return source


@dataclass(frozen=True)
class Page:
    """One page as written to its CSV file: how many rows, and the last one's (watermark, key) as
    the database printed them, from which the next page starts."""

    path: Path
    rows: int
    last: tuple[str, str] | None


def ingest_table(con: duckdb.DuckDBPyConnection, source: TableSource, *, store_free_text: bool = False,
                 max_line_bytes: int = 16 * 1024 * 1024) -> list[ingest.IngestSummary]:
    """Ingests the rows added since the last run, page by page; returns one summary per page.
    A reader thread writes the following pages (up to two ahead) while DuckDB stores this one; the
    first page is a quarter page, so that storing starts sooner. A failed read raises after the
    pages before it committed."""
    summaries = []
    engine = _engine(source)
    try:
        read = partial(_read_page, engine, source, watermark_type=_watermark_type(engine, source),
                       free_text=store_free_text)
        start = _lookback_start(con, source)
        lines = mapped_lines(source.spec, records=sqlfiles.load("source_table_page"), record_is_line=False,
                             store_free_text=store_free_text)
        with tempfile.TemporaryDirectory(prefix="llm-vitals-table-") as folder, ThreadPoolExecutor(1) as reader:
            pages: queue.Queue[Page | None] = queue.Queue(maxsize=1)
            stop = threading.Event()
            reading = reader.submit(_read_pages, read, Path(folder), start, source.page_rows, pages, stop)
            try:
                while (page := pages.get()) is not None:
                    if page.rows:
                        summaries.append(_ingest_page(con, source, page, lines, store_free_text, max_line_bytes))
                    page.path.unlink()
            finally:
                stop.set()
                with contextlib.suppress(queue.Empty):
                    pages.get_nowait()  # a reader waiting to hand over a page sees `stop` and ends
            reading.result()  # the reader's error, if it ended on one
    finally:
        engine.dispose()
    return summaries


def _read_pages(read: Callable[..., Page], folder: Path, start: str | None, page_rows: int,
                pages: queue.Queue, stop: threading.Event) -> None:
    """Reads page after page into `pages` until one is not full; then (or on an error) puts None."""
    try:
        rows, after, number = max(1, page_rows // 4), None, 1
        while not stop.is_set():
            page = read(folder / f"page-{number}.csv", start=start if after is None else None, after=after, rows=rows)
            _hand_over(pages, page, stop)
            if page.rows < rows:
                return
            rows, after, number = page_rows, page.last, number + 1
    finally:
        _hand_over(pages, None, stop)


def _hand_over(pages: queue.Queue, item: Page | None, stop: threading.Event) -> None:
    """Puts the item once there is room, unless the ingest stopped meanwhile."""
    while not stop.is_set():
        with contextlib.suppress(queue.Full):
            pages.put(item, timeout=0.1)
            return


def _engine(source: TableSource) -> sa.Engine:
    try:
        return sa.create_engine(source.url)
    except (ImportError, sa.exc.NoSuchModuleError) as exc:
        raise ConfigError(f"Cannot open {source.name}: its database driver is not installed ({source.scrub(str(exc))}).",
                          hint="Install the driver SQLAlchemy names for this URL (PostgreSQL: psycopg, installed with llm-vitals).") from None


def _lookback_start(con: duckdb.DuckDBPyConnection, source: TableSource) -> str | None:
    row = db.fetch(con, "sql_source_lookback_start", source_name=source.name, lookback=source.lookback)
    if not row:
        return None
    watermark, start = row[0]
    if start is None:
        raise SourceError(f"The stored watermark of {source.name} is not a timestamp: {watermark!r}.",
                          hint="The watermark column must hold timestamps.")
    return start


def _read_page(engine: sa.Engine, source: TableSource, path: Path, *, start: str | None,
               after: tuple[str, str] | None, rows: int, watermark_type: sa.types.TypeEngine,
               free_text: bool = False) -> Page:
    """Writes up to `rows` rows, in (watermark, key) order (its first two columns), to a CSV file
    with a header."""
    written, last = 0, None
    with _reading(source):
        statement = _page_statement(source, start, after, watermark_type, rows, free_text)
        with engine.connect() as connection:
            if engine.dialect.name == "postgresql" and engine.driver == "psycopg":
                import psycopg  # the driver of this URL, so installed

                compiled = statement.compile(dialect=engine.dialect)
                driver = connection.connection.driver_connection
                # COPY takes no server-side parameters: psycopg binds them client-side, as cursor.copy() does
                query = psycopg.ClientCursor(driver).mogrify(f"COPY ({compiled}) TO STDOUT (FORMAT csv, HEADER)",
                                                            compiled.params)
                lines, line = _copy_to_file(driver.pgconn, query, path)
                written = lines - 1  # less the header
                if written:  # the row as the database printed it, its CSV quoting undone
                    last = tuple(next(csv.reader([line.decode()]))[:2])
            else:
                result = connection.execution_options(stream_results=True).execute(statement)
                with open(path, "w", newline="", encoding="utf-8") as out:
                    writer = csv.writer(out)
                    writer.writerow(result.keys())
                    for batch in result.partitions(10_000):
                        writer.writerows(batch)
                        written += len(batch)
                        last = tuple("" if value is None else str(value) for value in batch[-1][:2])  # as written
    return Page(path, written, last)


def _copy_to_file(pgconn, query: str, path: Path) -> tuple[int, bytes]:
    """Runs COPY ... TO STDOUT on a psycopg connection's libpq handle and writes what it sends to
    `path`; returns the number of lines and the last one. libpq hands over one whole row per call;
    one call per row, without psycopg's per-row generator, keeps the loop's cost to the bare copy."""
    from psycopg import pq

    blocking, pgconn.nonblocking = pgconn.nonblocking, 0  # send and wait like a plain blocking client
    try:
        pgconn.send_query(query.encode())
        result = pgconn.get_result()
        if result.status != pq.ExecStatus.COPY_OUT:
            raise RuntimeError(_libpq_error(result))
        lines, line = 0, b""
        with open(path, "wb", buffering=1 << 20) as out:
            write, get = out.write, pgconn.get_copy_data
            while (copied := get(0))[0] >= 0:
                write(copied[1])
                lines += 1
                line = copied[1]
        failed = None
        while (result := pgconn.get_result()) is not None:  # the COPY's outcome: an error mid-stream shows here
            if result.status != pq.ExecStatus.COMMAND_OK:
                failed = failed or _libpq_error(result)
        if failed:
            raise RuntimeError(failed)
        return lines, bytes(line)
    finally:
        pgconn.nonblocking = blocking


def _libpq_error(result) -> str:
    return (result.error_message or b"").decode(errors="replace").removeprefix("ERROR:").strip() or str(result.status)


@contextlib.contextmanager
def _reading(source: TableSource):
    """Turns any error while reading the source into one scrubbed line (SourceError)."""
    try:
        yield
    except SourceError:
        raise
    except Exception as exc:  # SQLAlchemy's, the driver's and the file's errors alike: scrubbed, one line
        raise SourceError(f"Reading {source.name} failed: {source.scrub(_first_line(exc))}",
                          hint="Check the URL, the table and the column names; nothing of this page was stored.") from None


def _watermark_type(engine: sa.Engine, source: TableSource) -> sa.types.TypeEngine:
    """The watermark column's type (a table's, from the database), to compare it with the stored text."""
    if source.table:
        schema, _, name = source.table.rpartition(".")
        with _reading(source):
            columns = sa.inspect(engine).get_columns(name, schema=schema or None)
        for column in columns:
            if column["name"] == source.watermark:
                return column["type"]
        raise SourceError(f"{source.name} has no column {source.watermark!r} to read by.",
                          hint="Set the source's watermark to a timestamp column of the table.")
    return sa.DateTime()


def _page_statement(source: TableSource, start: str | None, after: tuple[str, str] | None,
                    watermark_type: sa.types.TypeEngine, rows: int, free_text: bool = False) -> sa.Select:
    """The columns the mapping reads, of the rows after `after` (the last of the previous page) or
    from `start`, in (watermark, key) order; the key compared and ordered as text, so paging is
    consistent whatever its type. Free-text columns are read only when free text is kept."""
    if source.table:
        schema, _, name = source.table.rpartition(".")
        relation = sa.table(name, schema=schema or None)
    else:
        relation = sa.text(source.query).columns().subquery("source_query")
    watermark, key = sa.column(source.watermark), sa.cast(sa.column(source.key), sa.Text())
    mark = lambda name, value: sa.cast(sa.bindparam(name, value), watermark_type)  # noqa: E731
    wanted = dict.fromkeys([source.watermark, source.key, *mapping.source_columns(source.spec, free_text=free_text)])
    statement = sa.select(*(sa.column(name) for name in wanted)).select_from(relation)
    if after is not None:  # the first condition is implied by the second; it lets an index on the watermark start there
        statement = statement.where(watermark >= mark("from_watermark", after[0]),
                                    sa.or_(watermark > mark("after_watermark", after[0]),
                                           sa.and_(watermark == mark("same_watermark", after[0]),
                                                   key > sa.bindparam("after_key", after[1]))))
    elif start is not None:
        statement = statement.where(watermark >= mark("start", start))
    return statement.order_by(watermark, key).limit(rows)


def _ingest_page(con, source: TableSource, page: Page, lines: ingest.MappedLines, store_free_text: bool,
                 max_line_bytes: int) -> ingest.IngestSummary:
    """Ingests one page's CSV file, read through the source's mapping (`lines`), as one batch with its watermark."""
    lines = replace(lines, values={**lines.values, "page_path": str(page.path)})
    as_file = ingest.SourceFile(path=str(page.path), kind="mapped", layout="page", facts=None,
                                label=source.name, tracked=False, mapped=lines)
    save = partial(_save_watermark, source=source, last=page.last)
    return ingest.ingest(con, [as_file], store_free_text=store_free_text, max_line_bytes=max_line_bytes,
                         skip_stored=True, before_commit=save)


def _save_watermark(con: duckdb.DuckDBPyConnection, batch_id: int, *, source: TableSource, last: tuple[str, str]) -> None:
    db.run(con, "source_watermark_save", source=source.name, watermark=last[0], tie_key=last[1])


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__

