"""The CLI: exit codes, one-line errors, read-only queries, output formats, settings from the environment."""

import json
from pathlib import Path

import pytest

from llm_vitals.cli import main
from tests.conftest import record, write_jsonl


@pytest.fixture
def loaded(tmp_path, db_path):
    write_jsonl(tmp_path / "logs.jsonl", [record(request_id="a"), record(request_id="b", latency_ms=300), "junk"])
    assert main(["ingest", str(tmp_path / "logs.jsonl"), "--db", str(db_path)]) == 0
    assert main(["metrics", "--db", str(db_path)]) == 0
    return db_path


def test_ingest_prints_a_summary(loaded, capsys):
    main(["ingest", str(loaded.parent / "logs.jsonl"), "--db", str(loaded)])
    out = capsys.readouterr().out
    assert "0 of 1 files read (1 unchanged" in out


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_query_formats(loaded, capsys, fmt):
    capsys.readouterr()
    sql = "select request_id, latency_ms from requests order by request_id"
    assert main(["query", "--db", str(loaded), "--format", fmt, sql]) == 0
    out = capsys.readouterr().out
    if fmt == "json":
        assert [json.loads(line) for line in out.splitlines()] == [
            {"request_id": "a", "latency_ms": 100.0}, {"request_id": "b", "latency_ms": 300.0}]
    elif fmt == "csv":
        assert out == "request_id,latency_ms\na,100.0\nb,300.0\n"
    else:
        assert out.splitlines()[0].split() == ["request_id", "latency_ms"] and "(2 rows)" in out


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("delete from requests", "refuses DELETE statements"),
        ("attach '/tmp/other.duckdb' as other", "refuses ATTACH statements"),
        ("select * from read_csv('/etc/passwd')", "cannot read or write files"),
        ("create table x as select 1", "refuses CREATE statements"),
        ("select 1; select 2", "Expected one SQL statement"),
        ("select nope from requests", "Query failed: Binder Error"),
    ],
    ids=["delete", "attach", "file-read", "create", "two-statements", "bad-column"],
)
def test_query_refuses_writes_with_one_clear_line(loaded, capsys, sql, message):
    assert main(["query", "--db", str(loaded), sql]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_errors_name_what_failed_and_what_to_do(tmp_path, capsys):
    assert main(["ingest", str(tmp_path / "missing-*.jsonl"), "--db", str(tmp_path / "x.duckdb")]) == 2
    assert "matched no" in capsys.readouterr().err
    assert main(["query", "--db", str(tmp_path / "none.duckdb"), "select 1"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_settings_come_from_the_environment(tmp_path, monkeypatch, capsys):
    write_jsonl(tmp_path / "env.jsonl", [record()])
    monkeypatch.setenv("LLM_VITALS_DB", str(tmp_path / "env.duckdb"))
    monkeypatch.setenv("LLM_VITALS_SOURCE", str(tmp_path / "env.jsonl"))
    assert main(["monitor"]) == 0
    assert (tmp_path / "env.duckdb").exists()
    monkeypatch.setenv("LLM_VITALS_MAX_LINE_BYTES", "12")
    assert main(["ingest"]) == 2
    assert "LLM_VITALS_MAX_LINE_BYTES" in capsys.readouterr().err


def test_check_runs_great_expectations_and_exits_by_verdict(tmp_path, capsys, monkeypatch):
    from datetime import UTC, datetime

    from llm_vitals import demo

    logs = demo.generate(tmp_path, end=datetime(2026, 10, 19, tzinfo=UTC))
    db = tmp_path / "demo.duckdb"
    # monitor checks too: as of a quiet day, so that the checks below are not look-backs
    assert main(["monitor", str(logs), "--db", str(db), "--as-of", "2026-10-12T00:00:00Z"]) == 0
    docs = tmp_path / "docs"
    monkeypatch.setenv("LLM_VITALS_DATA_DOCS_DIR", str(docs))
    capsys.readouterr()
    assert main(["check", "--db", str(db), "--as-of", "2026-10-13T00:00:00Z"]) == 0  # a quiet day: before v8
    out = capsys.readouterr().out
    assert "0 failing" in out and "Slack is not configured" in out and "SLACK_BOT_TOKEN" in out
    assert (docs / "index.html").exists()
    assert main(["check", "--db", str(db), "--as-of", "2026-10-17T00:00:00Z"]) == 1  # the t04 outage
    out, err = capsys.readouterr()
    assert err == ""  # no Great Expectations progress bars when stderr is not a terminal
    # the t04 outage (the day), and v8's parser failures and gemini's timeouts still in the 3-day
    # window of this first check since the quiet day
    assert "retrieval_empty_rate on tenant t04" in out and "3 opened" in out
    with pytest.raises(SystemExit) as usage:
        main(["check", "--db", str(db), "--as-of", "yesterday"])
    assert usage.value.code == 2 and "is not a timestamp" in capsys.readouterr().err
    monkeypatch.setenv("LLM_VITALS_AS_OF", "2026-10-13T00:00:00")  # every option has its variable
    monkeypatch.setenv("LLM_VITALS_OUTPUT_FORMAT", "csv")
    assert main(["check", "--db", str(db)]) == 0
    assert main(["query", "--db", str(db), "select count(*) as n from alerts"]) == 0
    assert capsys.readouterr().out.endswith("n\n3\n")  # the look back to 10-13 changed no alert


def test_monitor_does_what_the_monitor_flow_does(tmp_path, capsys):
    from datetime import UTC, datetime

    import duckdb

    from llm_vitals import demo

    logs = demo.generate(tmp_path, end=datetime(2026, 10, 19, tzinfo=UTC))
    db = tmp_path / "demo.duckdb"
    # ingest, metrics, check, alert and publish: the t04 outage opens its alert; a failing check
    # is what monitor is for, so the run exits 0
    assert main(["monitor", str(logs), "--db", str(db), "--as-of", "2026-10-17T00:00:00Z"]) == 0
    out = capsys.readouterr().out
    assert "accepted" in out and "Checks at 2026-10-17 00:00 UTC" in out and "retrieval_empty_rate on tenant t04" in out
    with duckdb.connect(str(tmp_path / "demo.read.duckdb"), read_only=True) as copy:  # the read copy, published last
        assert copy.execute("select count(*) from alerts where resolved_at is null").fetchone()[0] >= 1
        assert copy.execute("select max(as_of) from check_runs").fetchone()[0] == datetime(2026, 10, 17, tzinfo=UTC)


def test_numbers_print_whole_and_readable(loaded, capsys):
    capsys.readouterr()
    assert main(["query", "--db", str(loaded), "select 18059974 as calls, 0.000123456 as usd, 1234.5678 as ms"]) == 0
    out = capsys.readouterr().out
    assert "18059974" in out and "e+" not in out and "e-" not in out


def _cli(*args: str) -> list[str]:
    import sys
    from pathlib import Path

    return [str(Path(sys.executable).with_name("llm-vitals")), *args]


def test_a_reader_that_stops_early_ends_the_output_quietly(loaded):
    import shlex
    import subprocess

    command = shlex.join(_cli("query", "--db", str(loaded), "--format", "csv", "select * from range(3000000)"))
    done = subprocess.run(["bash", "-c", f"{command} 2>{loaded.parent / 'err.txt'} | head -2; exit ${{PIPESTATUS[0]}}"],
                          capture_output=True, text=True, timeout=120)
    assert done.stdout == "range\n0\n" and done.returncode == 0
    assert (loaded.parent / "err.txt").read_text() == ""


def _cpu_seconds(pid: int) -> float:
    import os

    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_ctrl_c_stops_a_query_with_one_line(loaded):
    import signal
    import subprocess
    import sys
    import time

    slow = "select count(*) from range(100000000000) where hash(range) % 7 = 0"  # minutes, stopped per chunk
    # Ctrl-C as at a terminal, even under a CI job that ignores SIGINT (the exec keeps SIG_DFL)
    as_at_a_terminal = [sys.executable, "-c", "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL);"
                        " os.execv(sys.argv[1], sys.argv[1:])"]
    running = subprocess.Popen(as_at_a_terminal + _cli("query", "--db", str(loaded), slow), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while _cpu_seconds(running.pid) < 3 and time.monotonic() < deadline:  # well inside the query, past start-up
        time.sleep(0.2)
    running.send_signal(signal.SIGINT)
    out, err = running.communicate(timeout=30)
    assert running.returncode == 130 and out == ""
    assert err.startswith("llm-vitals: Interrupted;") and err.count("\n") == 1 and "Unexpected" not in err


def test_a_secret_block_without_a_prefect_api_fails_at_once_in_one_line(loaded, capsys, monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setenv("LLM_VITALS_SLACK_TOKEN_SECRET_BLOCK", "nosuchblock")
    monkeypatch.setenv("LLM_VITALS_SLACK_CHANNEL", "#llm-alerts")
    capsys.readouterr()
    assert main(["check", "--db", str(loaded)]) == 2
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and "'nosuchblock', but no Prefect API is configured" in err and "PREFECT_API_URL" in err
    assert main(["query", "--db", str(loaded), "select count(*) as n from check_runs"]) == 0
    assert capsys.readouterr().out.startswith("n\n-\n0\n")  # it failed before checking anything


def test_settings_hold_configuration_and_runs_take_their_options(tmp_path, monkeypatch):
    from llm_vitals.settings import Settings

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    for name in Settings.model_fields:  # every setting is documented by its variable
        assert (f"LLM_VITALS_{name.upper()}" in readme) or name == "slack_bot_token", name
    run_options = {"as_of", "week", "tenant", "month", "backfill_start", "backfill_end", "full_recompute", "demo_days"}
    assert not run_options & set(Settings.model_fields)
    # a run option's variable is still its default, and checked like the option
    monkeypatch.setenv("LLM_VITALS_DEMO_DAYS", "3")
    with pytest.raises(SystemExit) as usage:
        main(["demo", "--dir", str(tmp_path)])
    assert usage.value.code == 2


def test_a_file_ingest_loads_neither_sqlalchemy_nor_prices_it_does_not_need(tmp_path, db_path):
    """Start-up is part of every scheduled run: a file ingest must not import SQLAlchemy (0.3 s; only
    database URLs need it), nor YAML and the sources file's models (0.1 s; only mappings and
    sources files need them), nor genai-prices when every call logs its cost. Checked in a fresh process."""
    import subprocess
    import sys

    write_jsonl(tmp_path / "logs.jsonl", [record(request_id="a", cost_usd=0.001)])
    code = ("import json, sys; from llm_vitals.cli import main; code = main(sys.argv[1:]); "
            "print(json.dumps([code, sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'genai_prices', 'yaml'}"
            " | {m for m in sys.modules} & {'llm_vitals.ingest.source_config'})]))")
    done = subprocess.run([sys.executable, "-c", code, "ingest", str(tmp_path / "logs.jsonl"), "--db", str(db_path)],
                          capture_output=True, text=True, check=True)
    assert json.loads(done.stdout.splitlines()[-1]) == [0, []], done.stdout
    write_jsonl(tmp_path / "more.jsonl", [record(request_id="b")])  # no cost: priced, so genai-prices loads
    done = subprocess.run([sys.executable, "-c", code, "ingest", str(tmp_path / "more.jsonl"), "--db", str(db_path)],
                          capture_output=True, text=True, check=True)
    assert json.loads(done.stdout.splitlines()[-1]) == [0, ["genai_prices"]], done.stdout
