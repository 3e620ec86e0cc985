"""The example questions in sql/examples/ run through `llm-vitals query` and answer correctly."""

from datetime import UTC, datetime, timedelta
from importlib.resources import files
from pathlib import Path

import pytest

from llm_vitals import db, demo, ingest, metrics, query
from tests import reference

EXAMPLES = Path(__file__).resolve().parents[1] / "sql" / "examples"


@pytest.fixture(scope="module")
def recent_db(tmp_path_factory):
    """Two weeks of demo logs up to the end of today, so last week and this month have calls."""
    tmp = tmp_path_factory.mktemp("examples")
    logs = demo.generate(tmp, days=15, end=datetime.now(UTC) + timedelta(days=1), incidents=True)
    con = db.connect(tmp / "recent.duckdb")
    ingest.ingest(con, ingest.discover([str(logs)]))
    metrics.compute(con)
    con.close()
    return tmp / "recent.duckdb"


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.sql")))
def test_every_example_answers(recent_db, name):
    result = query.run_query(recent_db, (EXAMPLES / name).read_text())
    assert result.rows and result.columns


def test_p95_by_route_last_week_equals_the_reference_quantile(recent_db):
    result = query.run_query(recent_db, (EXAMPLES / "p95_by_route_last_week.sql").read_text())
    con = db.connect(recent_db, read_only=True)
    monday = con.execute("select date_trunc('week', now()) - interval 7 days").fetchall()[0][0]
    rows = con.execute("select route, latency_ms from requests where status = 'ok' and started_at >= ? "
                       "and started_at < ? + interval 7 days", [monday, monday]).fetchall()
    con.close()
    by_route: dict[str, list[float]] = {}
    for route, latency in rows:
        by_route.setdefault(route, []).append(latency)
    expected = {route: round(float(reference.quantile(values, 0.95))) for route, values in by_route.items()}
    assert {route: p95 for route, p95, _ in result.rows} == expected


def test_the_examples_ship_with_the_package():
    assert {p.name for p in EXAMPLES.glob("*.sql")} <= {p.name for p in files("llm_vitals.sql").joinpath("examples").iterdir()}
