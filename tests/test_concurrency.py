"""Ad hoc queries alongside the writers, both directions, with real processes: an analyst's open
session never fails a run, and `llm-vitals query` during a run answers or waits within its bound."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import generated_records, write_jsonl

pytestmark = pytest.mark.slow

CLI = [sys.executable, "-m", "llm_vitals.cli"]
HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "read")
con.execute("select count(*) from requests").fetchall()
print("holding", flush=True)
time.sleep(float(sys.argv[3]))
con.execute("select count(*) from requests").fetchall()  # the session still answers
"""


def _env(**extra) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LLM_VITALS_")}
    return clean | {"LLM_VITALS_DATA_DOCS_DIR": "", "LLM_VITALS_MEMORY_LIMIT": "1GB"} | extra


def _hold(path: Path, mode: str, seconds: float) -> subprocess.Popen:
    """Another process that opens the file (read-write: like a running step; read: like an analyst) and keeps it."""
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(path), mode, str(seconds)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "holding", process.stderr.read()
    return process


def _cli(*args: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, env=_env(**env), timeout=300)


@pytest.fixture
def database(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    write_jsonl(logs / "day1.jsonl", generated_records(2000, days=1))
    path = tmp_path / "vitals.duckdb"
    done = _cli("monitor", "--db", str(path), str(logs))
    assert done.returncode == 0, done.stderr
    return path, logs


def test_a_query_during_a_write_answers_from_the_read_copy(database):
    path, _ = database
    writer = _hold(path, "write", 20)
    try:
        started = time.monotonic()
        done = _cli("query", "--db", str(path), "select count(*) as calls from requests")
        assert done.returncode == 0 and "2000" in done.stdout
        assert "answering from the read copy" in done.stderr and "vitals.read.duckdb" in done.stderr
        assert time.monotonic() - started < 15  # answered while the writer still held the file
    finally:
        writer.kill()


def test_without_a_read_copy_a_query_waits_for_the_writer_then_answers(database):
    path, _ = database
    path.with_name("vitals.read.duckdb").unlink()
    writer = _hold(path, "write", 3)
    done = _cli("query", "--db", str(path), "select count(*) from requests", LLM_VITALS_QUERY_WAIT_SECONDS="30")
    writer.wait()
    assert done.returncode == 0 and "2000" in done.stdout
    assert "is being written by another process; waiting up to 30 s" in done.stderr


def test_a_query_that_waits_past_its_bound_says_so_without_a_trace(database):
    path, _ = database
    path.with_name("vitals.read.duckdb").unlink()
    writer = _hold(path, "write", 20)
    try:
        done = _cli("query", "--db", str(path), "select 1", LLM_VITALS_QUERY_WAIT_SECONDS="1")
    finally:
        writer.kill()
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "is being written by another process" in done.stderr and "LLM_VITALS_READ_COPY" in done.stderr


def test_an_analyst_holding_the_read_copy_never_blocks_a_run(database, tmp_path):
    path, logs = database
    analyst = _hold(path.with_name("vitals.read.duckdb"), "read", 30)  # an hour-long notebook, shortened
    try:
        write_jsonl(logs / "day2.jsonl", [dict(r, request_id=f"new-{i}") for i, r in enumerate(generated_records(500, seed=5))])
        done = _cli("monitor", "--db", str(path), str(logs))
        assert done.returncode == 0, done.stderr
        fresh = _cli("query", "--db", str(path.with_name("vitals.read.duckdb")), "select count(*) from requests")
        assert "2500" in fresh.stdout  # new sessions see the new copy
        assert analyst.poll() is None  # the analyst's session is still open and unharmed
    finally:
        analyst.kill()


def test_a_run_waits_for_a_short_session_on_the_live_file(database):
    path, logs = database
    analyst = _hold(path, "read", 3)
    write_jsonl(logs / "day2.jsonl", [dict(r, request_id=f"new-{i}") for i, r in enumerate(generated_records(100, seed=7))])
    done = _cli("monitor", "--db", str(path), str(logs))
    analyst.wait()
    assert analyst.returncode == 0, analyst.stderr.read()
    assert done.returncode == 0 and "Waiting up to 300 s for it to finish" in done.stderr
    assert "accepted             100" in done.stdout


def test_a_long_query_never_keeps_a_run_out(database):
    path, logs = database
    long_query = subprocess.Popen([*CLI, "query", "--db", str(path), "select count(*) from range(30000000000)"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  env=_env(LLM_VITALS_QUERY_TIMEOUT_SECONDS="60"))
    try:
        time.sleep(2)  # the query is running
        assert long_query.poll() is None
        write_jsonl(logs / "day2.jsonl", [dict(r, request_id=f"q-{i}") for i, r in enumerate(generated_records(100, seed=9))])
        started = time.monotonic()
        done = _cli("monitor", "--db", str(path), str(logs), LLM_VITALS_LOCK_WAIT_SECONDS="5")
        assert done.returncode == 0, done.stderr
        assert "Waiting" not in done.stderr and time.monotonic() - started < 30
    finally:
        long_query.kill()


def test_on_a_terminal_ingest_tells_each_step_of_the_batch_to_its_end(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    write_jsonl(logs / "a.jsonl", generated_records(300, days=1))
    write_jsonl(logs / "b.jsonl", generated_records(300, days=1, seed=3))
    main, terminal = os.openpty()  # stderr on a pseudo-terminal, as in an interactive shell
    try:
        done = subprocess.run([*CLI, "ingest", "--db", str(tmp_path / "v.duckdb"), str(logs)], stdout=subprocess.PIPE,
                              stderr=terminal, text=True, env=_env(), timeout=300)
        os.close(terminal)
        told = b""
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the terminal's other end is closed: all was read
                break
            if not chunk:
                break
            told += chunk
    finally:
        os.close(main)
    assert done.returncode == 0 and "accepted" in done.stdout
    steps = [line.split("llm-vitals: ", 1)[1] for line in told.decode().splitlines() if "llm-vitals: " in line]
    assert steps == [f"batch 1: reading {logs / 'a.jsonl'} (1 of 2 files)", f"batch 1: reading {logs / 'b.jsonl'} (2 of 2 files)",
                     "batch 1: leaving out copies of calls already stored", "batch 1: committing", "batch 1: committed"]
