"""What real instrumentations write, read exactly: spans from OpenTelemetry's official
`opentelemetry-instrumentation-openai-v2` and from OpenLLMetry's `opentelemetry-instrumentation-openai`,
around the real `openai` client calling a loopback
OpenAI-compatible server that answers 200, 429 and 500 or hangs past the client's timeout,
written by OpenTelemetry's own OTLP/JSON file exporter and ingested with the `otel` preset. Every
status, token count, temperature, truncation flag and latency is compared with what the server did."""

import json
import random

import openai
import pytest
from opentelemetry.exporter.otlp.json.file.trace_exporter import FileSpanExporter
from opentelemetry.instrumentation.openai import OpenAIInstrumentor as OpenLLMetryInstrumentor
from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from llm_vitals import db, pipeline
from llm_vitals.settings import Settings
from tests.openai_server import OpenAIServer, ok_delay

CLIENT_TIMEOUT = 2.0  # far above an answer's time on a loaded machine; a hang lasts 1 s longer
STATUS = {"ok": "ok", "limited": "rate_limited", "broken": "error", "slow": "timeout"}


SECRET = "call me at bob@example.com"


@pytest.fixture(scope="module", params=["openai-v2", "openllmetry"])
def spans(tmp_path_factory, request):
    """Drives 60 calls through the instrumented client; returns (the spans file, what the server did)."""
    path = tmp_path_factory.mktemp(request.param) / "spans" / "traces.json"
    path.parent.mkdir()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(FileSpanExporter(str(path))))
    instrumentor = OpenAIInstrumentor() if request.param == "openai-v2" else OpenLLMetryInstrumentor()
    instrumentor.instrument(tracer_provider=provider)
    rng = random.Random(14)
    try:
        with OpenAIServer(hang_seconds=CLIENT_TIMEOUT + 1.0) as server:
            client = openai.OpenAI(base_url=server.base_url, api_key="sk-test-not-a-secret", max_retries=0,
                                   timeout=CLIENT_TIMEOUT)
            for n in range(60):
                outcome = rng.choices(["ok", "limited", "broken", "slow"], [70, 15, 10, 5])[0]
                try:
                    client.chat.completions.create(model=f"{outcome}-{n}", messages=[{"role": "user", "content": SECRET}],
                                                   temperature=round(rng.uniform(0, 1), 2))
                except (openai.RateLimitError, openai.InternalServerError, openai.APITimeoutError):
                    pass
            served = dict(server.served)
    finally:
        instrumentor.uninstrument()
        provider.shutdown()
    return path, served


def test_every_status_token_and_latency_is_what_the_server_did(tmp_path, spans):
    path, served = spans
    assert {r["outcome"] for r in served.values()} == set(STATUS)  # the seed gives every outcome
    written = {}  # what the exporter wrote, per request model: its duration in ns
    for line in path.read_text().splitlines():
        for resource in json.loads(line)["resourceSpans"]:
            for scope in resource["scopeSpans"]:
                for span in scope["spans"]:
                    model = next(a["value"]["stringValue"] for a in span["attributes"] if a["key"] == "gen_ai.request.model")
                    written[model] = int(span["endTimeUnixNano"]) - int(span["startTimeUnixNano"])
    settings = Settings(db=tmp_path / "otel.duckdb", data_docs_dir=None, read_copy=False, preset="otel")
    summary = pipeline.ingest_sources(settings, [str(path.parent)])
    assert (summary.accepted, summary.rejected) == (len(served), 0)
    con = db.connect(settings.db, read_only=True)
    rows = con.execute("select model, status, input_tokens, output_tokens, temperature, context_truncated, latency_ms,"
                       " error_type from requests").fetchall()
    con.close()
    for model, status, tokens_in, tokens_out, temperature, truncated, latency_ms, error_type in rows:
        request_model = model.removesuffix("-2024-07-18")
        did = served[request_model]
        outcome, n = did["outcome"], int(request_model.rsplit("-", 1)[1])
        assert status == STATUS[outcome], (request_model, error_type)
        assert temperature == did["temperature"]
        assert latency_ms == written[request_model] / 10**6
        if outcome == "ok":
            assert model == did["response_model"]
            assert (tokens_in, tokens_out) == (did["input"], did["output"])
            assert truncated == (did["finish"] == "length")
            assert latency_ms >= ok_delay(n) * 1000
        else:
            assert (tokens_in, tokens_out, truncated) == (None, None, None)  # a failed call reports none
            assert error_type  # the instrumentation's exception class, kept as written
        if outcome == "slow":
            assert latency_ms >= CLIENT_TIMEOUT * 1000


def test_rates_and_token_means_from_real_spans_equal_the_servers_counts(tmp_path, spans):
    path, served = spans
    settings = Settings(db=tmp_path / "otel.duckdb", data_docs_dir=None, read_copy=False, preset="otel")
    pipeline.ingest_sources(settings, [str(path.parent)])
    pipeline.compute_metrics(settings)
    con = db.connect(settings.db, read_only=True)
    got = dict(((metric, (value, n))) for metric, value, n in con.execute(
        "select metric, value, sample_size from metrics where grain = 'week' and dimension = 'all'").fetchall())
    con.close()
    total = len(served)
    for metric, outcome in (("rate_limit_rate", "limited"), ("timeout_rate", "slow")):
        assert got[metric] == (sum(r["outcome"] == outcome for r in served.values()) / total, total)
    assert got["error_rate"] == (sum(r["outcome"] != "ok" for r in served.values()) / total, total)
    ok = [r for r in served.values() if r["outcome"] == "ok"]
    assert got["tokens_per_request"] == (sum(r["input"] + r["output"] for r in ok) / len(ok), len(ok))
    # the loopback models have no known price: every call with tokens is unpriced, and failed
    # calls (no tokens) have nothing to price
    assert got["unpriced_rate"] == (1.0, len(ok))


def test_message_text_is_kept_only_when_asked_and_then_redacted(tmp_path, spans):
    path, served = spans
    stored = {}
    for free in (False, True):
        settings = Settings(db=tmp_path / f"free-{free}.duckdb", data_docs_dir=None, read_copy=False, preset="otel",
                            store_free_text=free)
        pipeline.ingest_sources(settings, [str(path.parent)])
        con = db.connect(settings.db, read_only=True)
        stored[free] = [row[0] for row in con.execute("select free_text from requests").fetchall()]
        everything = con.execute("select string_agg(r::varchar, '') from requests r").fetchall()[0][0]
        con.close()
        assert "bob@example.com" not in everything
    assert stored[False] == [None] * len(served)
    if "gen_ai.input.messages" in path.read_text():  # OpenLLMetry writes the messages as span attributes
        assert all(text and "[EMAIL]" in text for text in stored[True])
