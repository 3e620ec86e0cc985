"""OpenTelemetry GenAI spans, made by the real opentelemetry-sdk and written as OTLP/JSON by
OpenTelemetry's own file exporter, ingested with the `otel` preset; the metrics equal the values
the test put in."""

import json
from datetime import UTC, datetime

import pytest
from opentelemetry.exporter.otlp.json.file.trace_exporter import FileSpanExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import Status, StatusCode

from llm_vitals import db, pipeline
from llm_vitals.cli import main
from llm_vitals.settings import Settings
from tests import reference
from tests.otel_spans import ERROR_TYPES, START_NS, generated_calls, write_spans


def _expected_status(call: dict) -> str:
    return "ok" if call["error"] is None else ERROR_TYPES[call["error"]]


@pytest.fixture
def settings(tmp_path):
    return Settings(db=tmp_path / "otel.duckdb", data_docs_dir=None, read_copy=False, preset="otel")


def test_genai_spans_become_calls_with_the_values_put_in(tmp_path, settings):
    calls = generated_calls(600, seed=1)
    (tmp_path / "spans").mkdir()
    write_spans(tmp_path / "spans" / "traces.json", calls)
    summary = pipeline.ingest_sources(settings, [str(tmp_path / "spans")])
    assert (summary.accepted, summary.rejected) == (600, 0)  # the /health span is not an LLM call
    con = db.connect(settings.db, read_only=True)
    rows = con.execute(
        "select started_at, latency_ms, route, model, provider, status, input_tokens, output_tokens,"
        " cached_input_tokens, task_id, tenant, prompt_version, release, error_type from requests order by started_at"
    ).fetchall()
    con.close()
    for row, call in zip(rows, sorted(calls, key=lambda c: c["start_ns"])):
        assert row[0] == datetime.fromtimestamp(call["start_ns"] // 1000 / 10**6, UTC)
        assert row[1] == call["duration_ns"] / 10**6  # exact: microsecond steps, integer arithmetic
        assert row[2:13] == (call["route"], call["model"], "openai", _expected_status(call), call["input"],
                             call["output"], call["cached"], call["conversation"], call["tenant"], call["version"],
                             "2026.10.1")
        assert row[13] == call["error"]


def test_metrics_from_spans_equal_the_reference_on_the_values_put_in(tmp_path, settings):
    (tmp_path / "spans").mkdir()
    calls = generated_calls(900, seed=2)
    write_spans(tmp_path / "spans" / "a.json", calls)
    pipeline.ingest_sources(settings, [str(tmp_path / "spans")])
    pipeline.compute_metrics(settings)
    con = db.connect(settings.db, read_only=True)
    got = dict(((segment, metric), (value, n)) for segment, metric, value, n in con.execute(
        "select segment, metric, value, sample_size from metrics where grain = 'day' and dimension = 'route'"
        " and metric in ('latency_p95_ms', 'timeout_rate', 'rate_limit_rate', 'error_rate', 'requests')").fetchall())
    con.close()
    for route in ("extract", "chat"):
        mine = [c for c in calls if c["route"] == route]
        ok = [c["duration_ns"] / 10**6 for c in mine if c["error"] is None]
        p95, n = got[(route, "latency_p95_ms")]
        assert n == len(ok) and reference.quantile(ok, 0.95) == p95
        for metric, status in (("timeout_rate", "timeout"), ("rate_limit_rate", "rate_limited")):
            assert got[(route, metric)] == (sum(_expected_status(c) == status for c in mine) / len(mine), len(mine))
        assert got[(route, "error_rate")] == (sum(c["error"] is not None for c in mine) / len(mine), len(mine))


def test_new_spans_are_ingested_once(tmp_path, settings):
    (tmp_path / "spans").mkdir()
    write_spans(tmp_path / "spans" / "a.json", generated_calls(100, seed=3))
    first = pipeline.ingest_sources(settings, [str(tmp_path / "spans")])
    write_spans(tmp_path / "spans" / "a.json", generated_calls(50, seed=4, offset=100))  # the exporter appends
    write_spans(tmp_path / "spans" / "b.json", generated_calls(30, seed=5, offset=200))
    second = pipeline.ingest_sources(settings, [str(tmp_path / "spans")])
    again = pipeline.ingest_sources(settings, [str(tmp_path / "spans")])
    assert (first.accepted, second.accepted, second.duplicates, again.accepted) == (100, 80, 0, 0)


def test_the_cli_reads_spans_with_the_otel_preset(tmp_path, capsys):
    (tmp_path / "spans").mkdir()
    write_spans(tmp_path / "spans" / "t.json", generated_calls(20, seed=6))
    assert main(["ingest", str(tmp_path / "spans"), "--preset", "otel", "--db", str(tmp_path / "c.duckdb")]) == 0
    assert "accepted              20" in capsys.readouterr().out


def test_an_http_status_sets_the_status_when_error_type_says_nothing_and_an_error_span_is_never_ok(tmp_path, settings):
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(FileSpanExporter(str(tmp_path / "s.json"))))
    tracer = provider.get_tracer("llm-app")
    cases = [({"error.type": "_OTHER", "http.response.status_code": 429}, True, "rate_limited"),
             ({"http.response.status_code": 504}, True, "timeout"),
             ({}, True, "error"),  # status ERROR without error.type
             ({"http.response.status_code": 200}, False, "ok")]
    for i, (extra, failed, _) in enumerate(cases):
        span = tracer.start_span("chat", start_time=START_NS + i * 10**9,
                                 attributes={"gen_ai.operation.name": "chat", "gen_ai.request.model": "m", **extra})
        if failed:
            span.set_status(Status(StatusCode.ERROR))
        span.end(end_time=START_NS + i * 10**9 + 10**8)
    provider.shutdown()
    pipeline.ingest_sources(settings, [str(tmp_path / "s.json")])
    con = db.connect(settings.db, read_only=True)
    got = [row[0] for row in con.execute("select status from requests order by started_at").fetchall()]
    con.close()
    assert got == [status for _, _, status in cases]


def test_temperature_finish_reasons_and_truncation_are_kept(tmp_path, settings):
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(FileSpanExporter(str(tmp_path / "s.json"))))
    tracer = provider.get_tracer("llm-app")
    reasons = [["stop"], ["length"], ["tool_calls", "max_tokens"], None]
    for i, finish in enumerate(reasons):
        attributes = {"gen_ai.operation.name": "chat", "gen_ai.request.model": "m", "gen_ai.request.temperature": 0.25 * i}
        if finish is not None:
            attributes["gen_ai.response.finish_reasons"] = finish
        tracer.start_span("chat", start_time=START_NS + i * 10**9, attributes=attributes).end(end_time=START_NS + i * 10**9 + 1)
    provider.shutdown()
    pipeline.ingest_sources(settings, [str(tmp_path / "s.json")])
    con = db.connect(settings.db, read_only=True)
    rows = con.execute("select temperature, context_truncated, attributes->>'$.\"gen_ai.response.finish_reasons\"'"
                       " from requests order by started_at").fetchall()
    con.close()
    assert rows == [(0.0, False, '["stop"]'), (0.25, True, '["length"]'), (0.5, True, '["tool_calls","max_tokens"]'),
                    (0.75, None, None)]


def test_protobuf_message_to_json_output_is_refused_by_name(tmp_path, settings, capsys):
    """protobuf's MessageToJson writes the same keys but ids in base64: refused, not misread."""
    span = {"traceId": "AAAAAAAAAAAAAAAAAAAAAQ==", "spanId": "AAAAAAAAAAE=", "name": "chat",
            "startTimeUnixNano": str(START_NS), "endTimeUnixNano": str(START_NS + 10**9),
            "attributes": [{"key": "gen_ai.request.model", "value": {"stringValue": "m"}}]}
    (tmp_path / "pb.json").write_text(json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]}) + "\n")
    assert main(["ingest", str(tmp_path / "pb.json"), "--preset", "otel", "--db", str(settings.db)]) in (0, 1)
    out = capsys.readouterr()
    assert "pb.json" in out.out + out.err and "is not hex" in out.out + out.err and "MessageToJson" in out.out + out.err
    con = db.connect(settings.db, read_only=True)
    assert con.execute("select count(*) from requests").fetchall() == [(0,)]
    con.close()
