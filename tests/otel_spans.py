"""GenAI spans as the real opentelemetry-sdk makes them, written as OTLP/JSON by OpenTelemetry's
own file exporter: the calls put in, for the tests that ingest them."""

import random
from datetime import UTC, datetime

from opentelemetry.exporter.otlp.json.file.trace_exporter import FileSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import Status, StatusCode

START_NS = int(datetime(2026, 10, 5, 9, tzinfo=UTC).timestamp()) * 10**9


def write_spans(path, calls: list[dict]) -> None:
    """Writes one span per call, with GenAI attributes, through the OTLP/JSON file exporter."""
    provider = TracerProvider(resource=Resource.create({"service.name": "support-app", "service.version": "2026.10.1"}))
    provider.add_span_processor(SimpleSpanProcessor(FileSpanExporter(str(path))))
    tracer = provider.get_tracer("llm-app")
    for call in calls:
        attributes = {
            "gen_ai.operation.name": "chat",
            ("gen_ai.system" if call["old_names"] else "gen_ai.provider.name"): "openai",
            "gen_ai.request.model": "gpt-4o-mini",
            "gen_ai.response.model": call["model"],
            ("gen_ai.usage.prompt_tokens" if call["old_names"] else "gen_ai.usage.input_tokens"): call["input"],
            ("gen_ai.usage.completion_tokens" if call["old_names"] else "gen_ai.usage.output_tokens"): call["output"],
            "gen_ai.usage.cache_read.input_tokens": call["cached"],
            "gen_ai.response.finish_reasons": ["stop"],
            "gen_ai.conversation.id": call["conversation"],
            "app.route": call["route"],
            "app.tenant": call["tenant"],
            "app.prompt_version": call["version"],
        }
        span = tracer.start_span("chat " + call["model"], start_time=call["start_ns"], attributes=attributes)
        if call["error"]:
            span.set_attribute("error.type", call["error"])
            span.set_status(Status(StatusCode.ERROR, "failed"))
        span.end(end_time=call["start_ns"] + call["duration_ns"])
    with tracer.start_as_current_span("GET /health"):  # not an LLM call: no gen_ai.* attributes
        pass
    provider.shutdown()


def generated_calls(n: int, seed: int, offset: int = 0) -> list[dict]:
    rng = random.Random(seed)
    return [{
        "start_ns": START_NS + (offset + i) * 7_000_000_000 + rng.randrange(10**9),
        "duration_ns": rng.randrange(50, 9000) * 1_000_000 + rng.randrange(1000) * 1000,  # microsecond steps
        "model": rng.choice(["gpt-4o-mini-2024-07-18", "gpt-4o-2024-08-06"]),
        "input": rng.randrange(10, 3000), "output": rng.randrange(1, 800), "cached": rng.choice([0, 0, 128]),
        "conversation": f"conv-{(offset + i) // 3}", "route": rng.choice(["extract", "chat"]),
        "tenant": rng.choice(["acme", "globex"]), "version": rng.choice(["v1", "v2"]),
        "error": rng.choices([None, *ERROR_TYPES], [70, *[2] * len(ERROR_TYPES)])[0],
        "old_names": rng.random() < 0.3,
    } for i in range(n)]


# error.type as instrumentations write it: the semantic conventions' `timeout`, an HTTP status, an
# exception class qualified or not, or str() of the class (opentelemetry-instrumentation-openai-v2)
ERROR_TYPES = {
    "timeout": "timeout", "429": "rate_limited", "504": "timeout", "408": "timeout", "500": "error",
    "openai.APIError": "error", "RateLimitError": "rate_limited", "openai.RateLimitError": "rate_limited",
    "anthropic.RateLimitError": "rate_limited", "<class 'openai.RateLimitError'>": "rate_limited",
    "<class 'openai.APITimeoutError'>": "timeout", "APITimeoutError": "timeout", "httpx.ReadTimeout": "timeout",
    "TimeoutError": "timeout", "google.api_core.exceptions.ResourceExhausted": "rate_limited",
    "google.api_core.exceptions.DeadlineExceeded": "timeout", "ThrottlingException": "rate_limited",
    "botocore.exceptions.ReadTimeoutError": "timeout", "<class 'openai.InternalServerError'>": "error",
    "anthropic.OverloadedError": "error", "_OTHER": "error",
}
