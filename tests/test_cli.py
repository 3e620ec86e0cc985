"""The CLI: exit codes, one-line errors, read-only queries, output formats, settings from the environment."""

import json

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
    assert main(["monitor", str(logs), "--db", str(db)]) == 0
    docs = tmp_path / "docs"
    monkeypatch.setenv("LLM_VITALS_DATA_DOCS_DIR", str(docs))
    capsys.readouterr()
    assert main(["check", "--db", str(db), "--as-of", "2026-10-13T00:00:00Z"]) == 0  # a quiet day: before v8
    out = capsys.readouterr().out
    assert "0 failing" in out and "Slack is not configured" in out and "SLACK_BOT_TOKEN" in out
    assert (docs / "index.html").exists()
    assert main(["check", "--db", str(db), "--as-of", "2026-10-17T00:00:00Z"]) == 1  # the t04 outage
    out = capsys.readouterr().out
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
