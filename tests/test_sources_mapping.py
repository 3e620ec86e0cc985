"""Mapping files: any JSON Lines or CSV shape into the contract, with clear errors."""

import json
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

import genai_prices
import pytest

from llm_vitals import db, pipeline
from llm_vitals.cli import main
from llm_vitals.errors import ConfigError
from llm_vitals.ingest import mapping
from llm_vitals.settings import Settings

MAPPING = """
fields:
  request_id: id
  timestamp: {from: started, epoch: ms}
  latency_ms: {from: timing.seconds, scale: 1000}
  route: {const: code-assistant}
  model: {first_of: [llm.served_model, llm.model]}
  status: {from: outcome, map: {success: ok, throttled: rate_limited, deadline: timeout}}
  input_tokens: usage.in
  output_tokens: usage.out
  tenant: {from: org, default: unknown}
  task_id: session
  prompt_version: 'labels["prompt.version"]'
  cost_usd: usage.cost
attributes: [region]
"""


def _settings(tmp_path, mapping_file) -> Settings:
    return Settings(db=tmp_path / "m.duckdb", data_docs_dir=None, read_copy=False, mapping=mapping_file)


def test_a_jsonl_shape_is_mapped_field_by_field(tmp_path):
    (tmp_path / "m.yaml").write_text(MAPPING)
    lines = [
        {"id": "a", "started": 1790000000123, "timing": {"seconds": 1.25}, "llm": {"model": "gpt-4o"}, "outcome": "success",
         "usage": {"in": 100, "out": 20, "cost": 0.0015}, "org": "acme", "session": "s1", "labels": {"prompt.version": "v3"},
         "region": "eu"},
        {"id": "b", "started": 1790000001000, "timing": {"seconds": 0.5}, "llm": {"model": "gpt-4o", "served_model": "gpt-4o-2024-08-06"},
         "outcome": "throttled", "usage": {"in": 5, "out": 0}},
        {"id": "c", "started": 1790000002000, "timing": {"seconds": 2}, "llm": {"model": "gpt-4o"}, "outcome": "exploded"},
        "not json at all",
        {"id": "d", "started": "yesterday", "timing": {"seconds": "fast"}, "llm": {"model": "gpt-4o"}, "outcome": "deadline"},
    ]
    (tmp_path / "logs.jsonl").write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n")
    summary = pipeline.ingest_sources(_settings(tmp_path, tmp_path / "m.yaml"), [str(tmp_path / "logs.jsonl")])
    assert (summary.accepted, summary.rejected) == (2, 3)
    con = db.connect(tmp_path / "m.duckdb", read_only=True)
    rows = con.execute("select request_id, started_at::varchar, latency_ms, route, model, status, input_tokens, output_tokens,"
                       " tenant, task_id, prompt_version, cost_usd::double, attributes from requests order by 1").fetchall()
    rejected = con.execute("select line_no, reason from rejected_records order by 1").fetchall()
    raw_of_rejected = json.loads(con.execute("select raw from rejected_records where line_no = 3").fetchall()[0][0])
    priced = con.execute("select cost_usd, cost_source from requests where request_id = 'b'").fetchall()[0]
    con.close()
    assert rows[0][:12] == ("a", "2026-09-21 14:13:20.123+00", 1250.0, "code-assistant", "gpt-4o", "ok", 100, 20, "acme",
                            "s1", "v3", 0.0015)
    assert json.loads(rows[0][12]) == {"region": "eu"}
    assert rows[1][:10] == ("b", "2026-09-21 14:13:21+00", 500.0, "code-assistant", "gpt-4o-2024-08-06", "rate_limited",
                            5, 0, "unknown", "b")
    # errors name the line, the field and the value
    assert rejected[0][0] == 3 and "status" in rejected[0][1] and "exploded" in rejected[0][1]
    assert rejected[1] == (4, "line is not a JSON object")
    assert rejected[2][0] == 5 and ("timestamp" in rejected[2][1] or "latency_ms" in rejected[2][1]), rejected
    # a rejected record is kept as the mapping read it: its contract fields, as text
    assert raw_of_rejected == {"request_id": "c", "timestamp": "2026-09-21T14:13:22.000000Z", "latency_ms": "2000.0",
                               "route": "code-assistant", "model": "gpt-4o", "status": "exploded", "tenant": "unknown"}
    # a mapped record without a cost is priced by genai-prices, like a line in the contract's shape
    expected = genai_prices.calc_price(genai_prices.Usage(input_tokens=5, output_tokens=0), "gpt-4o-2024-08-06",
                                       genai_request_timestamp=datetime(2026, 9, 21, 14, 13, 21, tzinfo=UTC)
                                       ).total_price.quantize(Decimal("1e-12"), rounding=ROUND_HALF_UP)
    assert priced == (expected, "genai-prices")


def test_a_csv_shape_with_start_and_end_times(tmp_path):
    (tmp_path / "m.yaml").write_text("""
fields:
  request_id: call
  timestamp: begin
  latency_ms: {duration_ms: [begin, finish]}
  route: feature
  model: engine
  status: {case: [{from: error, present: true, value: error}], else: ok}
""")
    (tmp_path / "calls.csv").write_text(
        "call,begin,finish,feature,engine,error\n"
        "x1,2026-10-05T10:00:00Z,2026-10-05T10:00:01.5Z,search,claude-sonnet-4-5,\n"
        "x2,2026-10-05 10:00:02+02:00,2026-10-05 10:00:02.25+02:00,search,claude-sonnet-4-5,overloaded\n")
    assert main(["ingest", str(tmp_path / "calls.csv"), "--mapping", str(tmp_path / "m.yaml"),
                 "--db", str(tmp_path / "m.duckdb")]) == 0
    con = db.connect(tmp_path / "m.duckdb", read_only=True)
    rows = con.execute("select request_id, started_at::varchar, latency_ms, status from requests order by 1").fetchall()
    con.close()
    assert rows == [("x1", "2026-10-05 10:00:00+00", 1500.0, "ok"), ("x2", "2026-10-05 08:00:02+00", 250.0, "error")]


@pytest.mark.parametrize("text, message", [
    ("fields: {request_id: id}", "required contract field(s) timestamp, route, model, status, latency_ms are not mapped"),
    ("fields: {request_id: id, timestamp: t, route: r, model: m, status: s, latency_ms: l, colour: c}",
     "field 'colour' is not in the request-log contract"),
    ("fields: {request_id: 'id;drop', timestamp: t, route: r, model: m, status: s, latency_ms: l}",
     "Mapping field request_id: cannot read the path 'id;drop' after 'id'"),
    ("fields: {request_id: id, timestamp: {from: t, epoch: days}, route: r, model: m, status: s, latency_ms: l}",
     "field timestamp: epoch 'days' is not a unit"),
    ("fields: {request_id: id, timestamp: t, route: {from: r, const: x}, model: m, status: s, latency_ms: l}",
     "field route: give exactly one of from, first_of, const, duration_ms, case"),
    ("fields: {request_id: id, timestamp: t, route: r, model: m, latency_ms: l,"
     " status: {case: [{from: e, in: RateLimitError, value: rate_limited}]}}",
     "field status: a case tests one of equals, in (a list), class_in (a list), matches or present; got in"),
    ("fields: {request_id: id, timestamp: t, route: r, model: m, latency_ms: l,"
     " status: {case: [{from: e, equals: x, present: true, value: error}]}}",
     "got equals, present"),
    ("fields: {request_id: id, timestamp: t, model: m, status: s, latency_ms: l,"
     " route: {first_of: [{from: tags, skip: x}, r]}}",
     "field route: an entry of first_of is a reference, or {from, first_item_without_prefix}"),
    ("fields: {request_id: id, route: r, model: m, status: s, latency_ms: l, timestamp: {from: t, origin: '2025-01-01'}}",
     "field timestamp: origin goes with epoch"),
    ("fields: {request_id: {key_of: []}, route: r, model: m, status: s, latency_ms: l, timestamp: t}",
     "field request_id: key_of takes a list"),
])
def test_mapping_errors_name_the_field(text, message):
    import yaml

    with pytest.raises(ConfigError) as error:
        mapping.parse(yaml.safe_load(text), name="m.yaml")
    assert message in str(error.value)


def test_presets_load_and_a_missing_mapping_says_what_to_do(tmp_path, capsys):
    assert mapping.load("litellm").source["table"] == "LiteLLM_SpendLogs"
    assert "gen_ai.request.model" in json.dumps(mapping.load("otel").fields)
    assert main(["ingest", str(tmp_path), "--mapping", str(tmp_path / "nope.yaml"), "--db", str(tmp_path / "x.duckdb")]) == 2
    assert "is neither a file nor a preset" in capsys.readouterr().err


def test_a_mapping_that_names_a_missing_column_says_which(tmp_path, capsys):
    (tmp_path / "m.yaml").write_text("fields: {request_id: call, timestamp: begin, latency_ms: took, route: feature,"
                                     " model: engine, status: outcome}\n")
    (tmp_path / "calls.csv").write_text("call,begin,took,feature,engine\nx1,2026-10-05T10:00:00Z,12,search,m\n")
    assert main(["ingest", str(tmp_path / "calls.csv"), "--mapping", str(tmp_path / "m.yaml"),
                 "--db", str(tmp_path / "m.duckdb")]) == 2
    err = capsys.readouterr().err
    assert f"Mapping {tmp_path / 'm.yaml'} cannot read" in err and "outcome" in err and "Traceback" not in err
    con = db.connect(tmp_path / "m.duckdb", read_only=True)
    assert con.execute("select count(*) from requests").fetchall() == [(0,)]  # nothing of the batch stored
    con.close()


def test_a_jsonl_mapping_key_that_no_line_has_is_named_not_every_line_rejected(tmp_path, capsys):
    (tmp_path / "m.yaml").write_text("fields: {request_id: reqest_id, timestamp: begin, latency_ms: took, route: feature,"
                                     " model: engine, status: {const: ok}}\n")
    lines = [{"request_id": f"x{i}", "begin": "2026-10-05T10:00:00Z", "took": 12, "feature": "search", "engine": "m"} for i in range(5)]
    (tmp_path / "calls.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    assert main(["ingest", str(tmp_path / "calls.jsonl"), "--mapping", str(tmp_path / "m.yaml"),
                 "--db", str(tmp_path / "m.duckdb")]) == 2
    err = capsys.readouterr().err
    assert f"Mapping {tmp_path / 'm.yaml'} reads key(s) reqest_id, which no line of" in err and "Traceback" not in err
    # fixed; a first_of alternative that no line has is fine while another one is there
    (tmp_path / "m.yaml").write_text((tmp_path / "m.yaml").read_text().replace("reqest_id", "request_id")
                                     .replace("model: engine", "model: {first_of: [served_model, engine]}"))
    assert main(["ingest", str(tmp_path / "calls.jsonl"), "--mapping", str(tmp_path / "m.yaml"),
                 "--db", str(tmp_path / "m.duckdb")]) == 0
    assert "accepted               5" in capsys.readouterr().out

def test_naive_timestamps_are_rejected_unless_the_mapping_states_their_zone(tmp_path):
    """The same rule as a contract file's: text without an offset is not a time until its zone is
    known; `timezone:` states it. Built keys, array lengths and epochs from an origin, too."""
    (tmp_path / "calls.jsonl").write_text(
        '{"at": "2026-10-05 10:00:00", "docs": [1, 2, 3], "t": "90", "who": "a"}\n'
        '{"at": "2026-10-05T10:00:00+02:00", "docs": [], "t": "91", "who": "b"}\n')
    base = ("route: {const: r}\nmodel: {const: m}\nstatus: {const: ok}\nlatency_ms: {const: 1}\n"
            "request_id: {key_of: [at, who]}\nretrieved_docs: {length_of: docs}\nretrieval_used: {const: true}\n")
    stored = {}
    for zone in ("", ", timezone: Europe/Paris"):
        (tmp_path / "m.yaml").write_text("fields:\n  timestamp: {from: at" + zone + "}\n" + "".join(f"  {line}\n" for line in base.splitlines()))
        settings = Settings(db=tmp_path / f"z{len(zone)}.duckdb", data_docs_dir=None, read_copy=False, mapping=tmp_path / "m.yaml")
        summary = pipeline.ingest_sources(settings, [str(tmp_path / "calls.jsonl")])
        con = db.connect(settings.db, read_only=True)
        stored[zone] = (summary.accepted, con.execute("select started_at::varchar, retrieved_docs from requests order by all").fetchall(),
                        con.execute("select reason from rejected_records").fetchall())
        keys = con.execute("select request_id from requests").fetchall()
        con.close()
        assert all(key.startswith("k") and len(key) == 33 for (key,) in keys)
    assert stored[""][0] == 1 and "is not RFC 3339 with a UTC offset" in stored[""][2][0][0]
    assert stored[""][1] == [("2026-10-05 08:00:00+00", 0)]
    assert stored[", timezone: Europe/Paris"][1] == [("2026-10-05 08:00:00+00", 0), ("2026-10-05 08:00:00+00", 3)]
    (tmp_path / "m.yaml").write_text("fields:\n  timestamp: {from: t, epoch: s, origin: '2025-09-10T04:00:00Z'}\n"
                                     + "".join(f"  {line}\n" for line in base.splitlines()))
    settings = Settings(db=tmp_path / "o.duckdb", data_docs_dir=None, read_copy=False, mapping=tmp_path / "m.yaml")
    pipeline.ingest_sources(settings, [str(tmp_path / "calls.jsonl")])
    con = db.connect(settings.db, read_only=True)
    assert con.execute("select started_at::varchar from requests order by 1").fetchall() == [
        ("2025-09-10 04:01:30+00",), ("2025-09-10 04:01:31+00",)]
    con.close()
