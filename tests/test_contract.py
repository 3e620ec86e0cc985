"""The request-log contract is written once (JSON Schema) and the SQL agrees with it."""

import json
import re
from importlib.resources import files

from llm_vitals import db, sqlfiles


def _schema():
    return json.loads((files("llm_vitals") / "request_log.schema.json").read_text())


def test_parse_sql_reads_exactly_the_contract_fields():
    sql = sqlfiles.load("ingest_parse")
    transform = re.search(r"json_transform\(raw, '(\{.*?\})'\)", sql, re.S).group(1)
    assert list(json.loads(transform)) == list(_schema()["properties"])
    patch = re.search(r"json_merge_patch\(raw, '(\{.*?\})'\)", sql, re.S).group(1)
    assert set(json.loads(patch)) == set(_schema()["properties"]) | {"prompt", "response", "messages"}


def test_requests_table_has_a_column_per_field(tmp_path):
    con = db.connect(tmp_path / "c.duckdb")
    columns = {row[0] for row in con.execute("describe requests").fetchall()}
    fields = set(_schema()["properties"]) - {"timestamp"} | {"started_at"}
    assert fields <= columns
    assert set(_schema()["required"]) == {"request_id", "timestamp", "route", "model", "status", "latency_ms"}


def test_metrics_produce_exactly_the_named_metrics(tmp_path):
    from llm_vitals import ingest, metrics
    from llm_vitals.metric_names import ALL_METRICS, DIMENSIONS, GRAINS, TASK_DIMENSIONS, TASK_METRICS
    from tests.conftest import generated_records, write_jsonl

    con = db.connect(tmp_path / "n.duckdb")
    ingest.ingest(con, ingest.discover([str(write_jsonl(tmp_path / "l.jsonl", generated_records(300)))]))
    metrics.compute(con)
    produced = {m for (m,) in con.execute("select distinct metric from metrics").fetchall()}
    assert produced == set(ALL_METRICS)
    dims = dict(con.execute("select metric, list(distinct dimension order by dimension) from metrics group by metric").fetchall())
    assert all(dims[m] == sorted(TASK_DIMENSIONS) for m in TASK_METRICS)
    assert dims["routing_share"] == ["model"] and dims["requests"] == sorted(DIMENSIONS)
    assert {g for (g,) in con.execute("select distinct grain from metrics").fetchall()} == set(GRAINS)
    wide = [row[0] for row in con.execute("describe metrics_wide").fetchall()]
    assert wide[4:] == list(ALL_METRICS)


def test_every_sql_file_run_whole_splits_by_duckdbs_own_parser():
    """Files with a /* slot */ are completed by code first; every other file parses as it is."""
    from pathlib import Path

    whole = [p.stem for p in sorted((Path(__file__).resolve().parents[1] / "sql").glob("*.sql"))
             if "*/" not in p.read_text() and "read_csv($page_path" not in p.read_text()]
    assert {"schema", "macros", "views", "metrics_cells"} <= set(whole)
    for name in whole:
        parts = sqlfiles.statements(name)
        assert parts and all(part.rstrip(";").strip() for part in parts), name
    assert len(sqlfiles.statements("macros")) > 1 and len(sqlfiles.statements("schema")) > 5
