"""The example questions in sql/examples/ run through `llm-vitals query` and answer correctly."""

from datetime import UTC, datetime, timedelta
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


def test_the_wheel_ships_every_sql_file_and_expectation(tmp_path):
    """Builds the wheel from the repository's files (not the editable install, which reads sql/
    in place and so cannot miss a file) and checks it holds every statement, example and threshold."""
    import shutil
    import subprocess
    import sys
    import zipfile

    root = Path(__file__).resolve().parents[1]
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=root,
                            capture_output=True, text=True, check=True).stdout.split()
    tree = tmp_path / "tree"
    for name in listed:
        if (root / name).is_file():
            (tree / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / name, tree / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path / "wheel"), str(tree)],
                   check=True, capture_output=True, timeout=300)
    (wheel,) = (tmp_path / "wheel").glob("*.whl")
    shipped = set(zipfile.ZipFile(wheel).namelist())
    wanted = {f"llm_vitals/{name}" for name in listed
              if name.startswith(("sql/", "expectations/")) and name.endswith((".sql", ".yaml", ".yml"))}
    assert {"llm_vitals/sql/examples/p95_by_route_last_week.sql", "llm_vitals/expectations/thresholds.yaml"} <= wanted
    assert wanted - shipped == set()
