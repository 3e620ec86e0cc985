"""Rows written by LiteLLM itself, read exactly. The real `litellm` SDK calls a loopback
OpenAI-compatible server (tests/openai_server.py: 200, 429, 500, a hang past the timeout) with the
tags, key alias and team alias the proxy puts in a call's metadata; each call's logging kwargs go
through LiteLLM's own spend-log payload builder (`get_logging_payload`), as the proxy's spend
writer does. A failure gets the metadata the proxy's failure hook gives it (status `failure`, and
LiteLLM's own `get_error_information` of the exception), and, like the proxy's request data, no
completion start time. The rows go into LiteLLM_SpendLogs with every column of LiteLLM's schema,
in a real PostgreSQL, and the `litellm` preset reads them: every status, token count, route,
latency and rate is compared with what the server did."""

import os
import random
from datetime import timedelta
from pathlib import Path

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # the model cost map comes from the package, not the network

import litellm  # noqa: E402
from litellm.integrations.custom_logger import CustomLogger  # noqa: E402
from litellm.litellm_core_utils.litellm_logging import StandardLoggingPayloadSetup  # noqa: E402
from litellm.proxy.spend_tracking.spend_tracking_utils import get_logging_payload  # noqa: E402

from llm_vitals import db, pipeline  # noqa: E402
from llm_vitals.settings import Settings  # noqa: E402
from tests.openai_server import OpenAIServer  # noqa: E402
from tests.postgres import Postgres  # noqa: E402

DDL = (Path(__file__).parent / "cases" / "litellm_spendlogs.sql").read_text()
STATUS = {"ok": "ok", "limited": "rate_limited", "broken": "error", "slow": "timeout"}
TIMEOUT = 2.0  # far above an answer's time on a loaded machine; a hang lasts 1 s longer


class _Capture(CustomLogger):
    def __init__(self):
        super().__init__()
        self.events = []

    def log_success_event(self, kwargs, response_obj, start_time, end_time):
        self.events.append((kwargs, response_obj, start_time, end_time, None))

    def log_failure_event(self, kwargs, response_obj, start_time, end_time):
        self.events.append((kwargs, response_obj, start_time, end_time, kwargs.get("exception")))


def _payloads(n: int) -> tuple[list[dict], dict[str, dict]]:
    """Drives n calls through the SDK; returns LiteLLM's spend-log payloads and what each call asked."""
    capture, rng, asked = _Capture(), random.Random(14), {}
    litellm.callbacks = [capture]
    try:
        with OpenAIServer(hang_seconds=TIMEOUT + 1.0) as server:
            for i in range(n):
                outcome = rng.choices(list(STATUS), [70, 15, 10, 5])[0]
                model = f"{outcome}-{i}"
                tags = ["User-Agent: OpenAI/Python 1.57.0"] + ([rng.choice(["extract", "chat"])] if rng.random() < 0.7 else [])
                alias = rng.choice(["support-bot", None])
                asked[model] = {"outcome": outcome, "tags": tags, "alias": alias}
                try:
                    litellm.completion(model=f"openai/{model}", api_base=server.base_url, api_key="sk-test-not-a-secret",
                                       messages=[{"role": "user", "content": "hi"}], timeout=TIMEOUT, num_retries=0,
                                       metadata={"tags": tags, "user_api_key_alias": alias, "user_api_key_team_alias": "Support"})
                except (litellm.RateLimitError, litellm.InternalServerError, litellm.Timeout):
                    pass
                asked[model] |= server.served[model]
    finally:
        litellm.callbacks = []
    rows = []
    for kwargs, response, start, end, exception in capture.events:
        if exception is not None:  # what the proxy's failure hook adds before the payload is built
            metadata = kwargs["litellm_params"].get("metadata") or {}
            kwargs["litellm_params"]["metadata"] = metadata
            metadata["status"] = "failure"
            metadata["error_information"] = StandardLoggingPayloadSetup.get_error_information(original_exception=exception)
            kwargs.pop("completion_start_time", None)
            response = exception
        payload = dict(get_logging_payload(kwargs, response, start, end))
        payload["spend"] = payload.get("spend") or 0.0  # as the proxy's writer sets it
        rows.append(payload)
    return rows, asked


@pytest.fixture(scope="module")
def spendlogs():
    server = Postgres().start()
    try:
        server.sql(DDL)
        rows, asked = _payloads(60)
        columns = [c for c in rows[0] if f'"{c}"' in DDL]
        with server.connect() as con, con.cursor() as cur:
            with cur.copy(f'COPY "LiteLLM_SpendLogs" ({", ".join(chr(34) + c + chr(34) for c in columns)}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row([row.get(c) for c in columns])
        yield server, rows, asked
    finally:
        server.stop()


def test_rows_from_litellms_payload_builder_are_read_exactly(spendlogs, tmp_path):
    server, rows, asked = spendlogs
    settings = Settings(db=tmp_path / "l.duckdb", data_docs_dir=None, read_copy=False, preset="litellm")
    summary = pipeline.ingest_sources(settings, [server.url])
    assert (summary.accepted, summary.rejected) == (len(asked), 0)
    pipeline.compute_metrics(settings)
    con = db.connect(settings.db, read_only=True)
    stored = con.execute("select model, status, route, input_tokens, output_tokens, latency_ms, started_at from requests").fetchall()
    week = dict(((m, (v, n)) for m, v, n in con.execute(
        "select metric, value, sample_size from metrics where grain = 'week' and dimension = 'all'").fetchall()))
    con.close()
    with server.connect() as pg, pg.cursor() as cur:  # the times as the table holds them (TIMESTAMP(3): milliseconds)
        cur.execute('select model, "startTime", "endTime" from "LiteLLM_SpendLogs"')
        held = {model: (begin, end) for model, begin, end in cur.fetchall()}
    by_model = {row["model"]: row for row in rows}
    for model, status, route, tokens_in, tokens_out, latency_ms, started_at in stored:
        did, row = asked[model], by_model[model]
        assert status == STATUS[did["outcome"]], (model, row["metadata"])
        tags = [t for t in did["tags"] if not t.startswith("User-Agent:")]
        assert route == (tags[0] if tags else did["alias"] or "completion")
        if did["outcome"] == "ok":
            assert (tokens_in, tokens_out) == (did["input"], did["output"])
        else:
            assert (tokens_in, tokens_out) == (0, 0)  # LiteLLM writes a failure with 0 tokens
        begin, end = held[model]
        assert latency_ms == (end - begin) / timedelta(milliseconds=1)
        assert started_at.replace(tzinfo=None) == begin  # UTC, as LiteLLM writes it
        if did["outcome"] == "slow":
            assert latency_ms >= TIMEOUT * 1000
    total = len(asked)
    for metric, outcome in (("rate_limit_rate", "limited"), ("timeout_rate", "slow")):
        assert week[metric] == (sum(d["outcome"] == outcome for d in asked.values()) / total, total)
    ok = [d for d in asked.values() if d["outcome"] == "ok"]
    assert week["tokens_per_request"] == (sum(d["input"] + d["output"] for d in ok) / len(ok), len(ok))
