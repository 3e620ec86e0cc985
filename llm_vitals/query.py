"""Read-only ad hoc queries against the llm-vitals database."""

import csv
import datetime as dt
import decimal
import io
import json
import threading
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import duckdb

from llm_vitals import db
from llm_vitals.errors import DatabaseBusyError, DatabaseError, QueryRefused

_ALLOWED = {"SELECT", "EXPLAIN", "PRAGMA"}


@dataclass
class QueryResult:
    """Column names and rows of one query."""

    columns: list[str]
    rows: list[tuple]


TABLE_ROWS = 10_000  # an aligned table needs every row in memory to size its columns; CSV and JSON stream
_FETCH = 10_000


def run_query(path: Path, sql: str, *, max_rows: int | None = None, read_copy: Path | None = None,
              wait_seconds: float = 0.0, timeout_seconds: float | None = None,
              on_wait: Callable[[str], None] | None = None) -> QueryResult:
    """Returns the rows of one read-only statement (at most max_rows); raises like write_query."""
    with _session(path, read_copy, wait_seconds, on_wait, timeout_seconds) as cursor_of:
        cursor = cursor_of(sql)
        columns = [column[0] for column in cursor.description or []]
        return QueryResult(columns, cursor.fetchmany(max_rows) if max_rows else cursor.fetchall())


def write_query(path: Path, sql: str, out: TextIO, output_format: str, *, max_rows: int | None = None,
                read_copy: Path | None = None, wait_seconds: float = 0.0, timeout_seconds: float | None = None,
                on_wait: Callable[[str], None] | None = None) -> int:
    """Runs one read-only statement and writes its rows to `out` as a table, CSV or JSON Lines;
    returns the rows written. CSV and JSON stream any number of rows; a table shows at most
    TABLE_ROWS and says how to see the rest.

    Answers from read_copy when there is one (a query never holds the live file, so it never
    blocks a writer), else from the live file, waiting up to wait_seconds for a writer.
    Raises QueryRefused for writes, ATTACH, file access or settings; DatabaseError when the query
    fails or runs past timeout_seconds; DatabaseBusyError when the live file stays busy.
    """
    with _session(path, read_copy, wait_seconds, on_wait, timeout_seconds) as cursor_of:
        cursor = cursor_of(sql)
        columns = [column[0] for column in cursor.description or []]
        if output_format == "table":
            limit = min(max_rows or TABLE_ROWS, TABLE_ROWS)
            rows = cursor.fetchmany(limit + 1)
            out.write(render(QueryResult(columns, rows[:limit]), "table"))
            if len(rows) > limit and (max_rows is None or max_rows > TABLE_ROWS):
                out.write(f"… more rows than the {TABLE_ROWS:,} a table shows: add --format csv or --format json,"
                          " which stream every row, or --max-rows.\n")
            return min(len(rows), limit)
        written = 0
        if output_format == "csv":
            csv.writer(out, lineterminator="\n").writerow(columns)
        while max_rows is None or written < max_rows:
            rows = cursor.fetchmany(_FETCH if max_rows is None else min(_FETCH, max_rows - written))
            if not rows:
                break
            text = render(QueryResult(columns, rows), output_format)
            out.write(text.split("\n", 1)[1] if output_format == "csv" else text)
            written += len(rows)
        return written


@contextmanager
def _session(path: Path, read_copy: Path | None, wait_seconds: float, on_wait, timeout_seconds: float | None):
    """Yields a function that runs one checked statement on a read-only connection, stopped after
    timeout_seconds (the rows included); translates DuckDB's errors."""
    con = _open(path, read_copy, wait_seconds, on_wait)
    timed_out = threading.Event()

    def stop() -> None:
        timed_out.set()
        con.interrupt()

    timer = threading.Timer(timeout_seconds, stop) if timeout_seconds else None
    try:
        db.run(con, "session_utc")
    except DatabaseError:
        pass  # the configuration is locked on purpose; sessions default to the machine's zone

    def cursor_of(sql: str) -> duckdb.DuckDBPyConnection:
        statements = con.extract_statements(sql)
        if len(statements) != 1:
            raise QueryRefused(f"Expected one SQL statement, got {len(statements)}.", hint="Run them one at a time.")
        kind = statements[0].type.name
        if kind not in _ALLOWED:
            raise QueryRefused(
                f"`llm-vitals query` is read-only and refuses {kind} statements.",
                hint="Use SELECT, EXPLAIN or PRAGMA; to change data, run `llm-vitals ingest` or `llm-vitals metrics`.",
            )
        if timer is not None:
            timer.start()
        return con.execute(sql)

    try:
        with db.interrupt_on_ctrl_c(con):
            yield cursor_of
    except duckdb.PermissionException as exc:
        raise QueryRefused(
            "`llm-vitals query` cannot read or write files, ATTACH databases or change settings.",
            hint="Query the tables and views of this database only (SHOW TABLES lists them).",
        ) from exc
    except (duckdb.InterruptException, RuntimeError) as exc:
        if not db.interrupted(exc):
            raise
        if not timed_out.is_set():  # Ctrl-C: DuckDB stopped the query on SIGINT
            raise KeyboardInterrupt from exc
        raise DatabaseError(f"The query was stopped after {timeout_seconds:g} s.",
                            hint="Narrow it (a time range, LIMIT), or raise LLM_VITALS_QUERY_TIMEOUT_SECONDS.") from exc
    except MemoryError as exc:
        raise DatabaseError("The query's result does not fit in memory.",
                            hint="Add LIMIT or an aggregate, or write it with --format csv or json, which stream.") from exc
    except duckdb.OutOfMemoryException as exc:
        raise DatabaseError(f"The query ran out of memory: {str(exc).strip().splitlines()[0]}",
                            hint="Add a filter or LIMIT, or raise LLM_VITALS_MEMORY_LIMIT.") from exc
    except duckdb.Error as exc:
        raise DatabaseError(f"Query failed: {str(exc).strip().splitlines()[0]}") from exc
    finally:
        if timer is not None:
            timer.cancel()
        con.close()


def _open(path: Path, read_copy: Path | None, wait_seconds: float, on_wait) -> duckdb.DuckDBPyConnection:
    if read_copy is not None and read_copy.exists():
        # The last committed state (a writer publishes it after every step), and never a lock on the
        # live file that would keep a writer out. Say so when a writer is at work right now.
        if on_wait is not None and _busy(path):
            published = dt.datetime.fromtimestamp(read_copy.stat().st_mtime, dt.UTC)
            on_wait(f"{path} is being written by another process; answering from the read copy {read_copy},"
                    f" published {published:%Y-%m-%d %H:%M:%S} UTC.")
        return _connect(read_copy)
    return db.while_busy(lambda: _connect(path), wait_seconds=wait_seconds, on_wait=on_wait,
                         waiting=lambda _: f"{path} is being written by another process; waiting up to {wait_seconds:.0f} s for it…")


def _busy(path: Path) -> bool:
    """Whether another process holds the live file (opened for a moment, and closed at once)."""
    try:
        _connect(path).close()
    except DatabaseBusyError:
        return True
    except DatabaseError:
        return False
    return False


def _connect(path: Path) -> duckdb.DuckDBPyConnection:
    if not path.exists():
        raise DatabaseError(f"Database {path} does not exist.", hint="Run `llm-vitals ingest` or `llm-vitals demo` first.")
    try:
        return duckdb.connect(
            str(path), read_only=True, config={"enable_external_access": False, "lock_configuration": True}
        )
    except duckdb.IOException as exc:
        if "lock" not in str(exc).lower():
            raise DatabaseError(f"{path} is not a DuckDB database ({str(exc).strip().splitlines()[0]}).",
                                hint="Point --db (LLM_VITALS_DB) at the llm-vitals database file.") from exc
        raise DatabaseBusyError(
            f"Database {path} is being written by another process.",
            hint="Try again when the running step ends, or set LLM_VITALS_READ_COPY=true so writers publish a read copy.",
        ) from exc
    except duckdb.Error as exc:
        raise DatabaseError(f"{path} is not a DuckDB database ({str(exc).strip().splitlines()[0]}).",
                            hint="Point --db (LLM_VITALS_DB) at the llm-vitals database file.") from exc


def render(result: QueryResult, output_format: str) -> str:
    """Returns the result as an aligned text table, CSV or JSON Lines."""
    if output_format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(result.columns)
        writer.writerows(result.rows)
        return buffer.getvalue()
    if output_format == "json":
        return "".join(
            json.dumps(dict(zip(result.columns, row)), default=_json_value, ensure_ascii=False) + "\n"
            for row in result.rows
        )
    cells = [[_text(value) for value in row] for row in result.rows]
    widths = [max([len(name)] + [len(row[i]) for row in cells]) for i, name in enumerate(result.columns)]
    lines = [
        "  ".join(name.ljust(width) for name, width in zip(result.columns, widths)),
        "  ".join("-" * width for width in widths),
    ]
    lines += ["  ".join(cell.rjust(width) if _numeric(raw) else cell.ljust(width)
                        for cell, raw, width in zip(row, raw_row, widths))
              for row, raw_row in zip(cells, result.rows)]
    lines.append(f"({len(result.rows)} row{'s' if len(result.rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


def _text(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, float):
        return f"{value:.6g}" if abs(value) < 1e15 else repr(value)
    return str(value)


def _numeric(value: object) -> bool:
    return isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool)


def _json_value(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return str(value)
