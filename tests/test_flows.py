"""The monitor flow under a Prefect test harness runs the same pipeline as the CLI."""

from datetime import UTC, datetime

import duckdb

from llm_vitals import demo


def test_monitor_flow_ingests_and_computes_metrics(tmp_path, prefect_harness):
    from llm_vitals.flows.monitor import monitor

    logs = demo.generate(tmp_path, days=2, end=datetime(2026, 10, 7, tzinfo=UTC))
    db_path = tmp_path / "flow.duckdb"
    summary = monitor(sources=[str(logs)], db=str(db_path))
    assert summary.rows > 0
    con = duckdb.connect(str(db_path), read_only=True)
    requests, days = con.execute(
        "select (select count(*) from requests), (select count(distinct window_start) from metrics where grain = 'day')"
    ).fetchone()
    con.close()
    assert requests > 3000 and days == 2
    again = monitor(sources=[str(logs)], db=str(db_path))
    assert again.windows == 0  # nothing new: nothing recomputed
