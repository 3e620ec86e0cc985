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
