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
