"""Table sources through SQLAlchemy: a table or a query, read incrementally.

Rows are read in (watermark, key) order, in pages of `page_rows`, each page one ingest batch whose
transaction also records the page's last (watermark, key) in table source_watermarks: a crash or a
failed query leaves neither a partial page nor a watermark past what was stored. Each run starts
`lookback` before the stored watermark, so rows committed late (an earlier timestamp, committed
after the mark passed it) or with a timestamp equal to the mark are read again; the calls already
stored are left out without counting as duplicates, so none is lost and none doubled.

A page goes to a temporary CSV file, never to Python objects: PostgreSQL writes it with COPY ... TO
STDOUT (bytes straight from the server); other databases through SQLAlchemy's streamed results.
DuckDB reads the file and the source's mapping (the `litellm` preset, or any mapping file) turns
its rows into contract JSON. The URL's password never reaches a log line, an error, a table or the
source's name: every message is scrubbed of it.
"""

import csv
import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import duckdb
import sqlalchemy as sa

from llm_vitals import db, ingest, mapping
from llm_vitals.errors import ConfigError, SourceError
from llm_vitals.sources import fill_mapped_lines

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
    page_rows: int = 250_000
    lookback: timedelta = timedelta(minutes=10)

    @property
    def name(self) -> str:
        """The source's name in source_file, rejected_records and source_watermarks: no password."""
        shown = sa.make_url(self.url).render_as_string(hide_password=True)
        return f"{shown} {self.table}" if self.table else f"{shown} (query)"

    def scrub(self, text: str) -> str:
        """Removes the URL's password from a message."""
        password = sa.make_url(self.url).password
        return text.replace(str(password), "***") if password else text


def is_url(source: str) -> bool:
    """Whether a source is a database URL rather than a file, folder or glob."""
    return "://" in source and not source.startswith("file://")


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
    return TableSource(url, spec, table, query, **{k: v for k, v in values.items() if v is not None})


def ingest_table(con: duckdb.DuckDBPyConnection, source: TableSource, *, store_free_text: bool = False,
                 max_line_bytes: int = 16 * 1024 * 1024) -> list[ingest.IngestSummary]:
    """Ingests the rows added since the last run, page by page; returns one summary per page. While
    DuckDB stores one page, the database already writes the next one (a second file, one thread)."""
    summaries = []
    engine = _engine(source)
    try:
        with tempfile.TemporaryDirectory(prefix="llm-vitals-table-") as folder, ThreadPoolExecutor(1) as reader:
            files = [Path(folder) / "page-a.csv", Path(folder) / "page-b.csv"]
            _read_page(engine, source, files[0], start=_lookback_start(con, source), after=None, free_text=store_free_text)
            while True:
                db.run(con, "source_table_page", path=str(files[0]))
                count = _rows_in(con)
                if not count:
                    break
                last = _last_row(con, source)
                following = None
                if count >= source.page_rows:  # a full page: there may be more
                    following = reader.submit(_read_page, engine, source, files[1], start=None, after=last,
                                              free_text=store_free_text)
                try:
                    summaries.append(_ingest_page(con, source, files[0], last, store_free_text, max_line_bytes))
                finally:
                    if following is not None:
                        following.exception()  # wait for it, whatever happened here
                if following is None:
                    break
                following.result()  # a failed read raises here, after this page committed
                files.reverse()
    finally:
        engine.dispose()
    return summaries


def _engine(source: TableSource) -> sa.Engine:
    try:
        return sa.create_engine(source.url)
    except (ImportError, sa.exc.NoSuchModuleError) as exc:
        raise ConfigError(f"Cannot open {source.name}: its database driver is not installed ({source.scrub(str(exc))}).",
                          hint="Install the driver SQLAlchemy names for this URL (PostgreSQL: psycopg, installed with llm-vitals).") from None


def _lookback_start(con: duckdb.DuckDBPyConnection, source: TableSource) -> str | None:
    row = con.execute("select watermark from source_watermarks where source = ?", [source.name]).fetchall()
    if not row:
        return None
    start = con.execute("select strftime(try_cast(? as timestamp) - ?, '%Y-%m-%d %H:%M:%S.%f')",
                        [row[0][0], source.lookback]).fetchall()[0][0]
    if start is None:
        raise SourceError(f"The stored watermark of {source.name} is not a timestamp: {row[0][0]!r}.",
                          hint="The watermark column must hold timestamps.")
    return start


def _read_page(engine: sa.Engine, source: TableSource, path: Path, *, start: str | None,
               after: tuple[str, str] | None, free_text: bool = False) -> None:
    """Writes one page of rows, in (watermark, key) order, to a CSV file with a header."""
    try:
        statement = _page_statement(source, start, after, _watermark_type(engine, source), free_text)
        with engine.connect() as connection:
            if engine.dialect.name == "postgresql" and engine.driver == "psycopg":
                compiled = statement.compile(dialect=engine.dialect)
                cursor = connection.connection.driver_connection.cursor()
                with open(path, "wb") as out, cursor.copy(f"COPY ({compiled}) TO STDOUT (FORMAT csv, HEADER)",
                                                          compiled.params) as copy:
                    for chunk in copy:
                        out.write(chunk)
            else:
                result = connection.execution_options(stream_results=True).execute(statement)
                with open(path, "w", newline="", encoding="utf-8") as out:
                    writer = csv.writer(out)
                    writer.writerow(result.keys())
                    for rows in result.partitions(10_000):
                        writer.writerows(rows)
    except SourceError:
        raise
    except Exception as exc:  # SQLAlchemy's, the driver's and the file's errors alike: scrubbed, one line
        raise SourceError(f"Reading {source.name} failed: {source.scrub(_first_line(exc))}",
                          hint="Check the URL, the table and the column names; nothing of this page was stored.") from None


def _watermark_type(engine: sa.Engine, source: TableSource) -> sa.types.TypeEngine:
    """The watermark column's type (a table's, from the database), to compare it with the stored text."""
    if source.table:
        schema, _, name = source.table.rpartition(".")
        for column in sa.inspect(engine).get_columns(name, schema=schema or None):
            if column["name"] == source.watermark:
                return column["type"]
        raise SourceError(f"{source.name} has no column {source.watermark!r} to read by.",
                          hint="Set the source's watermark to a timestamp column of the table.")
    return sa.DateTime()


def _page_statement(source: TableSource, start: str | None, after: tuple[str, str] | None,
                    watermark_type: sa.types.TypeEngine, free_text: bool = False) -> sa.Select:
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
    if after is not None:
        statement = statement.where(sa.or_(watermark > mark("after_watermark", after[0]),
                                           sa.and_(watermark == mark("same_watermark", after[0]),
                                                   key > sa.bindparam("after_key", after[1]))))
    elif start is not None:
        statement = statement.where(watermark >= mark("start", start))
    return statement.order_by(watermark, key).limit(source.page_rows)


def _last_row(con: duckdb.DuckDBPyConnection, source: TableSource) -> tuple[str, str]:
    """The (watermark, key) of the page's last row, as the database printed them."""
    return tuple(str(v) for v in con.execute(
        f"select {mapping.quote_ident(source.watermark.split('.')[-1])}::varchar,"
        f" {mapping.quote_ident(source.key.split('.')[-1])}::varchar from source_records "
        "where rowid = (select max(rowid) from source_records)").fetchall()[0])


def _ingest_page(con, source: TableSource, path: Path, last: tuple[str, str], store_free_text: bool,
                 max_line_bytes: int) -> ingest.IngestSummary:
    """Ingests the page in temp table source_records as one batch, with its watermark."""
    page = ingest.SourceFile(path=str(path), kind="mapped", size_bytes=path.stat().st_size, modified_at=datetime.now(UTC),
                             head_sha256="", ends_with_newline=True, label=source.name, tracked=False,
                             prepare=partial(_prepare_page, spec=source.spec, store_free_text=store_free_text))
    save = partial(_save_watermark, source=source, last=last)
    return ingest.ingest(con, [page], store_free_text=store_free_text, max_line_bytes=max_line_bytes,
                         skip_stored=True, before_commit=save)


def _prepare_page(con: duckdb.DuckDBPyConnection, *, spec: mapping.Mapping, store_free_text: bool) -> None:
    con.execute("drop table if exists ingest_scan_errors")
    fill_mapped_lines(con, spec, record_is_line=False, store_free_text=store_free_text)


def _save_watermark(con: duckdb.DuckDBPyConnection, batch_id: int, *, source: TableSource, last: tuple[str, str]) -> None:
    db.run(con, "source_watermark_save", source=source.name, watermark=last[0], tie_key=last[1])


def _rows_in(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("select count(*) from source_records").fetchall()[0][0]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__

