"""DuckDB connections and statement execution; DuckDB errors are translated here, once."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from llm_vitals import sqlfiles
from llm_vitals.errors import DatabaseBusyError, DatabaseError


def connect(
    path: Path | str,
    *,
    read_only: bool = False,
    threads: int | None = None,
    memory_limit: str | None = None,
) -> duckdb.DuckDBPyConnection:
    """Returns a connection in UTC with the schema in place (read-write) or checked (read-only).

    Raises DatabaseBusyError when another process holds the file, DatabaseError when it cannot be opened.
    """
    path = Path(path)
    if read_only and not path.exists():
        raise DatabaseError(
            f"Database {path} does not exist.",
            hint="Run `llm-vitals ingest SOURCE --db PATH` first, or point LLM_VITALS_DB at an existing file.",
        )
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    config: dict[str, str | int | bool] = {}
    if threads:
        config["threads"] = threads
    if memory_limit:
        config["memory_limit"] = memory_limit
    try:
        con = duckdb.connect(str(path), read_only=read_only, config=config)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise DatabaseBusyError(
                f"Database {path} is open for writing in another process ({_lock_holder(exc)}).",
                hint="Wait for that process to finish (a monitor run, or an analyst's read-write session) and try again.",
            ) from exc
        raise DatabaseError(f"Cannot open database {path}: {exc}") from exc
    except duckdb.Error as exc:
        raise DatabaseError(f"Cannot open database {path}: {exc}", hint="Is it a DuckDB file?") from exc
    con.execute("set TimeZone = 'UTC'")  # after connect: the zone needs ICU, which loads with the database
    if not read_only:
        run(con, "schema")
        run(con, "views")
    return con


def run(con: duckdb.DuckDBPyConnection, name: str, **values: object) -> duckdb.DuckDBPyConnection:
    """Executes every statement of sql/<name>.sql with the $parameters each one names; returns con."""
    for statement in sqlfiles.statements(name):
        try:
            con.execute(statement, sqlfiles.parameters_for(statement, values))
        except duckdb.Error as exc:
            raise DatabaseError(f"sql/{name}.sql failed: {exc}") from exc
    return con


def records(con: duckdb.DuckDBPyConnection, name: str, **values: object) -> list[dict]:
    """Returns the rows of the single query in sql/<name>.sql as dicts by column name."""
    statement = sqlfiles.load(name)
    try:
        cursor = con.execute(statement, sqlfiles.parameters_for(statement, values))
        columns = [column[0] for column in cursor.description]
        return [dict(zip(columns, row)) for row in cursor.fetchall()]
    except duckdb.Error as exc:
        raise DatabaseError(f"sql/{name}.sql failed: {exc}") from exc


def fetch(con: duckdb.DuckDBPyConnection, name: str, **values: object) -> list[tuple]:
    """Returns the rows of the single query in sql/<name>.sql."""
    statement = sqlfiles.load(name)
    try:
        return con.execute(statement, sqlfiles.parameters_for(statement, values)).fetchall()
    except duckdb.Error as exc:
        raise DatabaseError(f"sql/{name}.sql failed: {exc}") from exc


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Runs the block in one transaction: all of it is committed, or none of it."""
    con.execute("begin transaction")
    try:
        yield con
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


def _lock_holder(exc: Exception) -> str:
    text = str(exc)
    marker = "(PID "
    if marker in text:
        return "PID " + text.split(marker, 1)[1].split(")", 1)[0]
    return "lock held"
