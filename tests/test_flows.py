"""The monitor flow under a Prefect test harness runs the same pipeline as the CLI."""

from datetime import UTC, datetime

import duckdb

from llm_vitals import demo


def test_monitor_flow_ingests_computes_and_checks(tmp_path, prefect_harness, monkeypatch):
    monkeypatch.setenv("LLM_VITALS_DATA_DOCS_DIR", str(tmp_path / "docs"))
    from llm_vitals.flows.monitor import monitor

    logs = demo.generate(tmp_path, days=2, end=datetime(2026, 10, 7, tzinfo=UTC))
    db_path = tmp_path / "flow.duckdb"
    summary = monitor(sources=[str(logs)], db=str(db_path), as_of=datetime(2026, 10, 7, tzinfo=UTC))
    assert summary.results and not summary.failed
    con = duckdb.connect(str(db_path), read_only=True)
    requests, days = con.execute(
        "select (select count(*) from requests), (select count(distinct window_start) from metrics where grain = 'day')"
    ).fetchone()
    con.close()
    assert requests > 3000 and days == 2
    from prefect.artifacts import Artifact

    artifact = Artifact.get("check-results")
    assert artifact is not None and "Checks at 2026-10-07 00:00 UTC" in artifact.data


def test_monitor_flow_posts_alerts_through_its_own_task(tmp_path, prefect_harness, monkeypatch):
    from llm_vitals.flows.monitor import monitor
    from tests.slack_server import SlackServer

    server = SlackServer().start()
    try:
        for name, value in {"SLACK_BOT_TOKEN": "xoxb-flow-test", "LLM_VITALS_SLACK_CHANNEL": "#alerts",
                            "LLM_VITALS_SLACK_BASE_URL": server.base_url, "LLM_VITALS_DATA_DOCS_DIR": ""}.items():
            monkeypatch.setenv(name, value)
        logs = demo.generate(tmp_path, end=datetime(2026, 10, 19, tzinfo=UTC))
        summary = monitor(sources=[str(logs)], db=str(tmp_path / "f.duckdb"), as_of=datetime(2026, 10, 17, tzinfo=UTC))
        assert summary.failed
        texts = [m["text"] for m in server.messages()]
        assert any("retrieval_empty_rate" in t and "t04" in t for t in texts)
    finally:
        server.stop()


def test_send_alerts_reads_the_token_from_a_prefect_secret_block(tmp_path, prefect_harness):
    from prefect.blocks.system import Secret

    from llm_vitals import pipeline
    from llm_vitals.settings import Settings
    from llm_vitals.tasks.alerts import send_alerts
    from tests.slack_server import SlackServer

    Secret(value="xoxb-from-secret-block").save("llm-vitals-slack-token", overwrite=True)
    server = SlackServer().start()
    try:
        logs = demo.generate(tmp_path, end=datetime(2026, 10, 19, tzinfo=UTC))
        settings = Settings(db=tmp_path / "s.duckdb", slack_token_secret_block="llm-vitals-slack-token",
                            slack_channel="#alerts", slack_base_url=server.base_url, data_docs_dir=None)
        pipeline.ingest_sources(settings, [str(logs)])
        pipeline.compute_metrics(settings)
        assert settings.slack_configured
        pipeline.run_checks(settings, datetime(2026, 10, 17, tzinfo=UTC), great_expectations=False)
        report = send_alerts.fn(settings)
        assert report.sent >= 1
        assert all(r["headers"].get("Authorization") == "Bearer xoxb-from-secret-block"
                   for r in server.received if r["path"] == "/api/chat.postMessage")
    finally:
        server.stop()


def test_weekly_digest_flow_publishes_the_digest(tmp_path, prefect_harness):
    from prefect.artifacts import Artifact

    from llm_vitals import pipeline
    from llm_vitals.flows.weekly_digest import weekly_digest
    from llm_vitals.settings import Settings

    logs = demo.generate(tmp_path, end=datetime(2026, 10, 19, tzinfo=UTC))
    settings = Settings(db=tmp_path / "w.duckdb")
    pipeline.ingest_sources(settings, [str(logs)])
    pipeline.compute_metrics(settings)
    assert weekly_digest(week="2026-W42", db=str(settings.db)) == "2026-W42"
    artifact = Artifact.get("weekly-digest")
    assert artifact is not None and "prompt_version v8" in artifact.data


def test_monthly_review_flow_publishes_the_review(tmp_path, prefect_harness, monkeypatch):
    from prefect.artifacts import Artifact

    from llm_vitals import pipeline
    from llm_vitals.flows.monthly_review import monthly_review
    from llm_vitals.settings import Settings

    monkeypatch.setenv("LLM_VITALS_REVIEW_DIR", str(tmp_path / "reviews"))
    logs = demo.generate(tmp_path, end=datetime(2026, 10, 19, tzinfo=UTC))
    settings = Settings(db=tmp_path / "m.duckdb")
    pipeline.ingest_sources(settings, [str(logs)])
    pipeline.compute_metrics(settings)
    assert monthly_review(month="2026-10", db=str(settings.db)) == "2026-10"
    assert (tmp_path / "reviews" / "llm-vitals-review-2026-10.html").exists()
    artifact = Artifact.get("monthly-review")
    assert artifact is not None and "Monthly checklist" in artifact.data


def test_sources_ingest_in_parallel_task_runs_that_take_turns_writing(tmp_path, prefect_harness, monkeypatch):
    """Three sources, three task runs submitted together: three batches, the same calls as one batch."""
    from prefect.client.orchestration import get_client

    from llm_vitals import db, pipeline
    from llm_vitals.flows.monitor import monitor
    from llm_vitals.settings import Settings
    from llm_vitals.tasks.writer import WRITER_LIMIT
    from tests.conftest import generated_records, write_jsonl

    monkeypatch.setenv("LLM_VITALS_DATA_DOCS_DIR", "")
    records = generated_records(3000, days=2)
    sources = [str(write_jsonl(tmp_path / f"s{i}.jsonl", records[i::3])) for i in range(3)]
    monitor(sources=sources, db=str(tmp_path / "parallel.duckdb"), as_of=datetime(2026, 10, 7, tzinfo=UTC))
    one = Settings(db=tmp_path / "one.duckdb", source=sources, data_docs_dir=None, read_copy=False)
    pipeline.ingest_sources(one)
    pipeline.compute_metrics(one)
    parallel = db.connect(tmp_path / "parallel.duckdb", read_only=True)
    single = db.connect(one.db, read_only=True)
    try:
        assert parallel.execute("select count(distinct batch_id) from requests").fetchall() == [(3,)]
        calls = "select * exclude (batch_id) from requests order by request_id"
        assert parallel.execute(calls).fetchall() == single.execute(calls).fetchall()
        metrics = "select * from metrics order by all"
        assert parallel.execute(metrics).fetchall() == single.execute(metrics).fetchall()
    finally:
        parallel.close()
        single.close()
    with get_client(sync_client=True) as client:
        assert client.read_global_concurrency_limit_by_name(WRITER_LIMIT).limit == 1
    assert (tmp_path / "parallel.read.duckdb").exists()


def test_backfill_flow_replaces_a_range(tmp_path, prefect_harness, monkeypatch):
    from llm_vitals.flows.backfill import backfill
    from llm_vitals.flows.monitor import monitor
    from tests.conftest import generated_records, write_jsonl

    monkeypatch.setenv("LLM_VITALS_DATA_DOCS_DIR", "")
    source = write_jsonl(tmp_path / "b.jsonl", generated_records(600, days=2))
    monitor(sources=[str(source)], db=str(tmp_path / "b.duckdb"), as_of=datetime(2026, 10, 7, tzinfo=UTC))
    monkeypatch.setenv("LLM_VITALS_DB", str(tmp_path / "b.duckdb"))
    batch = backfill(datetime(2026, 10, 5, tzinfo=UTC), datetime(2026, 10, 6, tzinfo=UTC), sources=[str(source)])
    con = duckdb.connect(str(tmp_path / "b.duckdb"), read_only=True)
    by_batch = dict(con.execute("select batch_id, count(*) from requests group by all").fetchall())
    con.close()
    assert set(by_batch) == {1, batch} and sum(by_batch.values()) == 600


def test_monitor_flow_reads_the_sources_file_one_task_run_per_source(tmp_path, prefect_harness, monkeypatch):
    from llm_vitals.flows.monitor import monitor
    from tests.conftest import generated_records, write_jsonl
    from tests.otel_spans import generated_calls, write_spans

    (tmp_path / "spans").mkdir()
    write_spans(tmp_path / "spans" / "t.json", generated_calls(40, seed=9))
    write_jsonl(tmp_path / "app.jsonl", generated_records(60, days=1))
    (tmp_path / "sources.yaml").write_text(f"""
sources:
  - {{name: traces, kind: otel, path: {tmp_path / 'spans'}}}
  - {{name: app, kind: files, path: {tmp_path / 'app.jsonl'}}}
""")
    monkeypatch.setenv("LLM_VITALS_SOURCES_FILE", str(tmp_path / "sources.yaml"))
    monkeypatch.setenv("LLM_VITALS_DATA_DOCS_DIR", "")
    monitor(db=str(tmp_path / "s.duckdb"), as_of=datetime(2026, 10, 6, tzinfo=UTC))
    con = duckdb.connect(str(tmp_path / "s.duckdb"), read_only=True)
    batches = con.execute("select count(distinct batch_id), count(*) from requests").fetchall()[0]
    con.close()
    assert batches == (2, 100)
