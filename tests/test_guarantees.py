"""The smaller promises of "nothing stops, nothing is lost": hostile names in charts and Slack text,
a tenant named `(none)`, leftovers of a killed run, and queries that run long or return a lot."""

import io
import time
from datetime import datetime

import matplotlib.image
import pytest

from llm_vitals import cli, db, ingest, metrics, pipeline, query
from llm_vitals.formatting import segment_label
from llm_vitals.reports import digest_chart, digest_render
from llm_vitals.settings import Settings
from tests.conftest import record, write_jsonl

HOSTILE = ["$^$", "$\\frac{a}{$", "_hidden", "<!channel>", "a$b$c"]


def test_a_chart_shows_hostile_names_literally_and_never_crashes():
    rows = [(datetime(2026, 10, day), route, metric, 10.0 * day) for day in (5, 6) for route in HOSTILE
            for metric in ("latency_p95_ms", "cost_per_successful_task_usd")]
    png = digest_chart.render(rows, [("prompt_version", "$x^$", datetime(2026, 10, 6))], "2026-W41 · tenant $^$")
    assert matplotlib.image.imread(io.BytesIO(png), format="png").shape[0] > 100
    assert digest_chart.literal("$^$") == r"\$^\$" and digest_chart.literal("_x").endswith("_x")


def _monitor(tmp_path, calls):
    settings = Settings(db=tmp_path / "v.duckdb", read_copy=False, data_docs_dir=None)
    pipeline.ingest_sources(settings, [str(write_jsonl(tmp_path / "calls.jsonl", calls))])
    pipeline.compute_metrics(settings, full=True)
    return settings


def test_a_tenant_named_none_is_told_apart_from_calls_without_a_tenant(tmp_path):
    calls = ([record(request_id=f"n{i}", tenant="(none)") for i in range(3)]
             + [record(request_id=f"a{i}") for i in range(2)] + [record(request_id="e", tenant="")])
    settings = _monitor(tmp_path, calls)
    con = db.connect(settings.db, read_only=True)
    segments = con.execute("select segment, value from metrics where grain = 'day' and dimension = 'tenant'"
                           " and metric = 'requests' order by segment").fetchall()
    con.close()
    assert segments == [("", 3.0), ("(none)", 3.0)]  # an empty tenant counts as absent, like null
    assert segment_label("tenant", "") == "calls without a tenant"
    assert segment_label("tenant", "(none)") == "tenant (none)"
    week = "2026-W41"
    named, _ = pipeline.tenant_digest(settings, "(none)", week)
    absent, _ = pipeline.tenant_digest(settings, "", week)
    assert named.value("requests") == 3 and absent.value("requests") == 3


def test_a_tenant_digest_escapes_its_plain_text_like_its_blocks(tmp_path):
    settings = _monitor(tmp_path, [record(request_id=f"x{i}", tenant="<!channel>") for i in range(3)])
    built, _ = pipeline.tenant_digest(settings, "<!channel>", "2026-W41")
    message = digest_render.blocks(built)
    assert "<!channel>" not in message["text"] and "&lt;!channel&gt;" in message["text"]
    assert all("<!channel>" not in str(block) for block in message["blocks"][1:])


def test_a_partial_read_copy_left_by_a_kill_is_removed_by_the_next_run(tmp_path):
    settings = Settings(db=tmp_path / "v.duckdb", data_docs_dir=None)
    left = tmp_path / ".v.read.duckdb.4242.partial"
    left.write_bytes(b"half a copy")
    pipeline.ingest_sources(settings, [str(write_jsonl(tmp_path / "c.jsonl", [record()]))])
    pipeline.publish_read_copy(settings)
    assert not left.exists() and settings.read_copy_path.exists()


@pytest.fixture
def small_db(tmp_path):
    con = db.connect(tmp_path / "q.duckdb")
    ingest.ingest(con, ingest.discover([str(write_jsonl(tmp_path / "c.jsonl", [record()]))]))
    metrics.compute(con, full=True)
    con.close()
    return tmp_path / "q.duckdb"


def test_a_long_query_is_stopped_at_its_time_limit_with_a_clear_message(small_db):
    started = time.monotonic()
    with pytest.raises(Exception, match="stopped after 1 s"):
        query.run_query(small_db, "select count(*) from range(100000000000) a", timeout_seconds=1)
    assert time.monotonic() - started < 20


def test_a_large_result_is_capped_as_a_table_and_streamed_as_csv(small_db):
    out = io.StringIO()
    shown = query.write_query(small_db, "select range as n from range(25000)", out, "table")
    assert shown == query.TABLE_ROWS and "stream every row" in out.getvalue()
    out = io.StringIO()
    assert query.write_query(small_db, "select range as n from range(25000)", out, "csv") == 25000
    lines = out.getvalue().splitlines()
    assert lines[0] == "n" and len(lines) == 25001 and lines[-1] == "24999"
    out = io.StringIO()
    assert query.write_query(small_db, "select range as n from range(25000)", out, "json", max_rows=12345) == 12345


def test_a_query_on_a_file_that_is_not_duckdb_says_so_at_once(tmp_path, capsys):
    bad = tmp_path / "broken.duckdb"
    bad.write_bytes(b"this is not a database" * 100)
    started = time.monotonic()
    assert cli.main(["query", "--db", str(bad), "select 1"]) == 2
    assert "is not a DuckDB database" in capsys.readouterr().err
    assert time.monotonic() - started < 10  # no wait for a writer that does not exist
