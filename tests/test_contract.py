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
