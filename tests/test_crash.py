"""A process killed mid-ingest leaves the database exactly as before that batch; the next run completes it."""

import os
import signal
import subprocess
import sys
import time

import duckdb
import pytest

from llm_vitals import db, ingest
from tests.conftest import record, write_jsonl

pytestmark = pytest.mark.slow


def _state(path):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(
            "select (select count(*) from requests), (select count(*) from rejected_records),"
            " (select count(*) from ingested_files), (select count(*) from ingest_batches)"
        ).fetchone()
    finally:
        con.close()


def test_killed_ingest_leaves_nothing_partial(tmp_path):
    db_path = tmp_path / "vitals.duckdb"
    first = write_jsonl(tmp_path / "a-first.jsonl", [record(request_id="before"), "bad"])
    con = db.connect(db_path)
    ingest.ingest(con, ingest.discover([str(first)]))
    con.close()
    before = _state(db_path)
    big = tmp_path / "b-big.jsonl"
    gen = duckdb.connect()
    gen.execute(
        "copy (select 'big-' || i as request_id, '2026-10-05T10:00:00Z' as timestamp, 'chat' as route,"
        " 'gpt-4o-mini' as model, 'ok' as status, (i % 900)::double as latency_ms, 'openai' as provider,"
        " 100 + i % 50 as input_tokens, 20 as output_tokens from range(2000000) t(i)) to ? (format json)",
        [str(big)],
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "llm_vitals.cli", "ingest", str(tmp_path), "--db", str(db_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    size_before = db_path.stat().st_size
    deadline = time.monotonic() + 60
    wal = db_path.with_name(db_path.name + ".wal")
    while time.monotonic() < deadline and process.poll() is None:
        written = db_path.stat().st_size - size_before + (wal.stat().st_size if wal.exists() else 0)
        if written > 8 * 1024 * 1024:  # the big batch is being written
            break
        time.sleep(0.02)
    assert process.poll() is None, "ingest finished before it could be killed; make the file bigger"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert _state(db_path) == before
    con = db.connect(db_path)
    summary = ingest.ingest(con, ingest.discover([str(tmp_path)]))
    con.close()
    assert (summary.files_read, summary.accepted) == (1, 2_000_000)
    assert _state(db_path) == (before[0] + 2_000_000, before[1], 2, before[3] + 1)
