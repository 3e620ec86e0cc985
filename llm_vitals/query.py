"""Read-only ad hoc queries against the llm-vitals database."""

import csv
import datetime as dt
import decimal
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from llm_vitals import db
from llm_vitals.errors import DatabaseBusyError, DatabaseError, QueryRefused

_ALLOWED = {"SELECT", "EXPLAIN", "PRAGMA"}


@dataclass
class QueryResult:
    """Column names and rows of one query."""

    columns: list[str]
    rows: list[tuple]


def run_query(
    path: Path,
    sql: str,
    *,
    max_rows: int | None = None,
    read_copy: Path | None = None,
    wait_seconds: float = 0.0,
    on_wait: Callable[[str], None] | None = None,
) -> QueryResult:
    """Runs one read-only statement; raises QueryRefused for writes, ATTACH, file access or settings.

    Reads the live file. While a writer holds it, answers from read_copy when there is one (telling
    on_wait how old it is), else waits up to wait_seconds and then raises DatabaseBusyError.
    """
    con = _open(path, read_copy, wait_seconds, on_wait)
    try:
        con.execute("set TimeZone = 'UTC'")
    except duckdb.Error:
        pass  # the configuration is locked on purpose; sessions default to the machine's zone
    try:
        statements = con.extract_statements(sql)
        if len(statements) != 1:
            raise QueryRefused(f"Expected one SQL statement, got {len(statements)}.", hint="Run them one at a time.")
        kind = statements[0].type.name
        if kind not in _ALLOWED:
            raise QueryRefused(
                f"`llm-vitals query` is read-only and refuses {kind} statements.",
                hint="Use SELECT, EXPLAIN or PRAGMA; to change data, run `llm-vitals ingest` or `llm-vitals metrics`.",
            )
        cursor = con.execute(sql)
        columns = [column[0] for column in cursor.description or []]
        rows = cursor.fetchmany(max_rows) if max_rows else cursor.fetchall()
        return QueryResult(columns, rows)
    except duckdb.PermissionException as exc:
        raise QueryRefused(
            "`llm-vitals query` cannot read or write files, ATTACH databases or change settings.",
            hint="Query the tables and views of this database only (SHOW TABLES lists them).",
        ) from exc
    except duckdb.Error as exc:
        raise DatabaseError(f"Query failed: {str(exc).strip().splitlines()[0]}") from exc
    finally:
        con.close()


def _open(path: Path, read_copy: Path | None, wait_seconds: float, on_wait) -> duckdb.DuckDBPyConnection:
    def attempt() -> duckdb.DuckDBPyConnection:
        try:
            return _connect(path)
        except DatabaseBusyError:
            if read_copy is None or not read_copy.exists():
                raise
            if on_wait is not None:
                published = dt.datetime.fromtimestamp(read_copy.stat().st_mtime, dt.UTC)
                on_wait(f"{path} is being written by another process; answering from the read copy {read_copy},"
                        f" published {published:%Y-%m-%d %H:%M:%S} UTC.")
            return _connect(read_copy)

    return db.while_busy(attempt, wait_seconds=wait_seconds, on_wait=on_wait,
                         waiting=lambda _: f"{path} is being written by another process; waiting up to {wait_seconds:.0f} s for it…")


def _connect(path: Path) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(
            str(path), read_only=True, config={"enable_external_access": False, "lock_configuration": True}
        )
    except duckdb.IOException as exc:
        if not path.exists():
            raise DatabaseError(f"Database {path} does not exist.", hint="Run `llm-vitals ingest` or `llm-vitals demo` first.") from exc
        raise DatabaseBusyError(
            f"Database {path} is being written by another process.",
            hint="Try again when the running step ends, or set LLM_VITALS_READ_COPY=true so writers publish a read copy.",
        ) from exc


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
