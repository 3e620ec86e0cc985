"""DuckDB connections and statement execution; DuckDB errors are translated here, once."""

import functools
import hashlib
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import duckdb

from llm_vitals import sqlfiles
from llm_vitals.errors import DatabaseBusyError, DatabaseError

LOCK_POLL_SECONDS = 0.5
T = TypeVar("T")


def connect(
    path: Path | str,
    *,
    read_only: bool = False,
    threads: int | None = None,
    memory_limit: str | None = None,
    wait_seconds: float = 0.0,
    on_wait: Callable[[str], None] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Returns a connection in UTC with the schema in place (read-write) or checked (read-only).

    While another process holds the file, retries for up to wait_seconds (telling on_wait once), then
    raises DatabaseBusyError. Raises DatabaseError when the file cannot be opened.
    """
    return while_busy(lambda: _connect_once(Path(path), read_only, threads, memory_limit), wait_seconds=wait_seconds,
                      on_wait=on_wait, waiting=lambda exc: f"{exc.args[0]} Waiting up to {wait_seconds:.0f} s for it to finish…")


def while_busy(attempt: Callable[[], T], *, wait_seconds: float, on_wait: Callable[[str], None] | None,
               waiting: Callable[[DatabaseBusyError], str]) -> T:
    """Returns attempt()'s result, calling it again while it raises DatabaseBusyError for up to
    wait_seconds; tells on_wait once (the text waiting(error) gives), then lets the last error through."""
    deadline, told = time.monotonic() + wait_seconds, False
    while True:
        try:
            return attempt()
        except DatabaseBusyError as exc:
            if time.monotonic() >= deadline:
                raise
            if on_wait is not None and not told:
                on_wait(waiting(exc))
                told = True
            time.sleep(min(LOCK_POLL_SECONDS, max(0.0, deadline - time.monotonic())))


def publish_read_copy(con: duckdb.DuckDBPyConnection, path: Path | str, read_copy: Path | str) -> float:
    """Publishes the database as read_copy for analysts; returns the seconds it took.

    Called on the writer's open connection, so no other process can write meanwhile. CHECKPOINT moves
    the WAL into the file, the file is copied next to read_copy and renamed over it: a connection that
    has the old copy open keeps reading it, a new one opens the new copy, none ever sees half a file.
    """
    started = time.perf_counter()
    source, target = Path(path), Path(read_copy)
    run(con, "checkpoint")
    for left in target.parent.glob(f".{target.name}.*.partial"):
        left.unlink(missing_ok=True)  # a copy a killed run left half-written (this process holds the lock now)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        shutil.copyfile(source, partial)
        with open(partial, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise DatabaseError(f"Cannot publish the read copy {target}: {exc}",
                            hint="Check the folder's free space and permissions, or set LLM_VITALS_READ_COPY=false.") from exc
    return time.perf_counter() - started


def _connect_once(path: Path, read_only: bool, threads: int | None, memory_limit: str | None) -> duckdb.DuckDBPyConnection:
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
                f"Database {path} is held by another process ({_lock_holder(exc)}): a writing step, or a session"
                " that opened the live file (even read-only, it keeps writers out).",
                hint=f"Wait for that process to finish and try again; long sessions should open the read copy"
                     f" {path.with_name(path.stem + '.read' + (path.suffix or '.duckdb'))} instead.",
            ) from exc
        raise DatabaseError(f"Cannot open database {path}: {exc}") from exc
    except duckdb.Error as exc:
        raise DatabaseError(f"Cannot open database {path}: {exc}", hint="Is it a DuckDB file?") from exc
    run(con, "session_utc")
    if not read_only:
        _ensure_schema(con)
        _drop_rejected_lines(con)
    return con


def _drop_rejected_lines(con: duckdb.DuckDBPyConnection) -> None:
    """Removes what a process that died between a batch's commit and its last statement left in
    `requests`: that batch's rejected and blank lines, already in rejected_records (sql/ingest_drop_rejected.sql)."""
    try:
        run(con, "ingest_drop_rejected")
    except DatabaseError as exc:
        # another connection of this process is removing the same lines at this moment
        if not isinstance(exc.__cause__, duckdb.TransactionException):
            raise


def _ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Creates the tables and views, unless this file already has this version of them (a
    fingerprint of sql/schema.sql and sql/views.sql, kept in pipeline_state)."""
    fingerprint = _schema_fingerprint()
    try:
        rows = fetch(con, "pipeline_state_value", state_name="schema_fingerprint")
    except DatabaseError as exc:  # a new file: no pipeline_state yet
        if not isinstance(exc.__cause__, duckdb.CatalogException):
            raise
        rows = []
    if rows and rows[0][0] == fingerprint:
        return
    run(con, "schema")
    run(con, "views")
    run(con, "pipeline_state_save", state_name="schema_fingerprint", value=fingerprint)


@functools.cache
def _schema_fingerprint() -> int:
    text = sqlfiles.load("schema") + sqlfiles.load("views")
    return int(hashlib.sha256(text.encode()).hexdigest()[:15], 16)


def cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Returns a new session on con's database (its attached databases included), in UTC like con;
    closing con closes it too. Its `use` leaves con's default database alone."""
    return run(con.cursor(), "session_utc")


def run(con: duckdb.DuckDBPyConnection, name: str, **values: object) -> duckdb.DuckDBPyConnection:
    """Executes every statement of sql/<name>.sql with the $parameters each one names; returns con."""
    for statement in sqlfiles.statements(name):
        _execute(con, name, statement, values)
    return con


def records(con: duckdb.DuckDBPyConnection, name: str, **values: object) -> list[dict]:
    """Returns the rows of the single query in sql/<name>.sql as dicts by column name."""
    cursor = _execute(con, name, sqlfiles.load(name), values)
    columns = [column[0] for column in cursor.description]
    with _translated(name):
        return [dict(zip(columns, row)) for row in cursor.fetchall()]


def fetch(con: duckdb.DuckDBPyConnection, name: str, **values: object) -> list[tuple]:
    """Returns the rows of the single query in sql/<name>.sql."""
    cursor = _execute(con, name, sqlfiles.load(name), values)
    with _translated(name):
        return cursor.fetchall()


def _execute(con: duckdb.DuckDBPyConnection, name: str, statement: str,
             values: dict[str, object]) -> duckdb.DuckDBPyConnection:
    with _translated(name):
        return con.execute(statement, sqlfiles.parameters_for(statement, values))


@contextmanager
def _translated(name: str) -> Iterator[None]:
    """The one place a failing statement of sql/ becomes a DatabaseError that names its file."""
    try:
        yield
    except duckdb.Error as exc:
        raise DatabaseError(f"sql/{name}.sql failed: {exc}") from exc


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Runs the block in one transaction: all of it is committed, or none of it."""
    run(con, "transaction_begin")
    try:
        yield con
    except BaseException:
        run(con, "transaction_rollback")
        raise
    run(con, "transaction_commit")


def _lock_holder(exc: Exception) -> str:
    text = str(exc)
    marker = "(PID "
    if marker in text:
        return "PID " + text.split(marker, 1)[1].split(")", 1)[0]
    return "lock held"


def interrupted(exc: BaseException) -> bool:
    """Whether DuckDB stopped a statement on request (Ctrl-C, or `interrupt()`): it raises
    InterruptException, or a RuntimeError "Query interrupted" from a result being fetched."""
    return isinstance(exc, duckdb.InterruptException) or (
        isinstance(exc, RuntimeError) and str(exc).strip() == "Query interrupted")


@contextmanager
def interrupt_on_ctrl_c(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Stops con's running statement on Ctrl-C. Python runs its SIGINT handler only between
    bytecodes, which a long DuckDB statement may not reach for minutes; the signal's wakeup byte
    is written at once, though, so a thread waiting on it interrupts the connection. Outside the
    main thread (a Prefect worker's task) it does nothing."""
    import signal
    import threading

    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    try:
        previous = signal.set_wakeup_fd(write_end)
    except ValueError:  # not the main thread
        os.close(read_end)
        os.close(write_end)
        yield
        return

    def watch() -> None:
        while (got := os.read(read_end, 64)) and signal.SIGINT not in got:
            pass
        if got:
            con.interrupt()

    watcher = threading.Thread(target=watch, name="llm-vitals-ctrl-c", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        signal.set_wakeup_fd(previous)
        os.close(write_end)  # the watcher reads end-of-file and stops
        watcher.join(timeout=1)
        os.close(read_end)
