"""Shared fixtures: record factories, file writers, and a session-wide Prefect test harness."""

import json
import os
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

CLOCK = datetime(2026, 10, 5, 0, 0, tzinfo=UTC)  # a Monday: week windows start here


def record(**fields) -> dict:
    """Returns a valid request-log record with the given fields replaced."""
    base = {
        "request_id": "r-1",
        "timestamp": "2026-10-05T10:00:00Z",
        "route": "chat",
        "model": "gpt-4o-mini",
        "status": "ok",
        "latency_ms": 100.0,
    }
    base.update(fields)
    return base


def write_jsonl(path: Path, records: list, *, newline_at_end: bool = True) -> Path:
    """Writes records (dicts, or raw strings written as they are) as JSON Lines."""
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    path.write_text("\n".join(lines) + ("\n" if newline_at_end else ""), encoding="utf-8")
    return path


def generated_records(n: int = 3000, *, seed: int = 11, days: int = 3) -> list[dict]:
    """Returns n varied records over `days` days from CLOCK, with tasks of 1-3 calls and optional fields missing."""
    rng = random.Random(seed)
    routes, models = ["chat", "extract", "search", "agent"], ["gpt-4o-mini", "claude-3-5-haiku-latest", "unknown-x"]
    versions, tenants = ["v1", "v2", None], ["t1", "t2", "t3", "t4", None]
    out, task_no = [], 0
    while len(out) < n:
        task_no += 1
        start = CLOCK + timedelta(seconds=rng.randrange(days * 86400))
        for call in range(rng.choice([1, 1, 2, 3])):
            ts = start + timedelta(seconds=rng.choice([0, 1, 30, 4000]) * call)
            rec = {
                "request_id": f"g-{len(out)}",
                "timestamp": ts.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + rng.choice(["Z", "+00:00"]),
                "route": rng.choice(routes),
                "model": rng.choice(models),
                "status": rng.choices(["ok", "error", "timeout", "rate_limited", "cancelled"], [90, 3, 4, 2, 1])[0],
                "latency_ms": round(rng.uniform(10, 5000), rng.choice([0, 1, 3])),
                "task_id": f"task-{task_no}",
            }
            optional = {
                "prompt_version": rng.choice(versions),
                "tenant": rng.choice(tenants),
                "ttft_ms": round(rng.uniform(5, 500), 1),
                "input_tokens": rng.randrange(0, 5000),
                "output_tokens": rng.randrange(0, 800),
                "cost_usd": str(Decimal(rng.randrange(0, 10**7)) / Decimal(10**9)),
                "task_success": rng.random() < 0.8,
                "structured_output": rng.random() < 0.5,
                "parse_ok": rng.random() < 0.9,
                "retrieval_used": rng.random() < 0.5,
                "retrieved_docs": rng.choice([0, 0, 1, 3, 8]),
                "context_truncated": rng.random() < 0.05,
                "tool_calls": rng.randrange(0, 4),
                "tool_errors": rng.randrange(0, 2),
                "retries": rng.choice([0, 0, 0, 1, 2]),
                "fallback": rng.random() < 0.04,
                "escalated": rng.random() < 0.02,
                "eval_pass": rng.random() < 0.85,
            }
            for name, value in optional.items():
                if value is not None and rng.random() < 0.85:
                    rec[name] = float(value) if name == "cost_usd" and rng.random() < 0.5 else value
            out.append(rec)
    return out[:n]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "vitals.duckdb"


@pytest.fixture(scope="session")
def prefect_harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness():
        yield


@pytest.fixture(scope="session")
def checked_demo_db(tmp_path_factory):
    """The demo's two weeks with incidents (2026-10-05..18), metrics computed, and checks run at
    each midnight of the last week, as a daily schedule would. Copy it before writing to it."""
    from datetime import timedelta

    from llm_vitals import pipeline
    from tests.demo_db import END
    from tests.demo_db import build_demo_db as _build
    from tests.demo_db import demo_settings as _settings

    path = _build(tmp_path_factory.mktemp("checked-demo") / "demo.duckdb", incidents=True)
    settings = _settings(path)
    for day in range(8):
        pipeline.run_checks(settings, END - timedelta(days=7 - day), great_expectations=False)
    return path


@pytest.fixture
def checked_demo_copy(tmp_path, checked_demo_db) -> Path:
    """A copy of checked_demo_db to write to."""
    import shutil

    return Path(shutil.copy(checked_demo_db, tmp_path / "demo.duckdb"))


_LAYER_FIXTURES = {"prefect_harness": "prefect", "postgres": "postgres", "pg": "postgres", "slack": "slack"}
_LAYER_MODULES = {"test_deploy_e2e": "prefect", "test_sources_sql": "postgres", "test_sources_litellm_client": "postgres",
                  "test_formatting": "pure", "test_attribution": "pure"}


def pytest_collection_modifyitems(items):
    """Marks each test with its layer (see pyproject's markers), from its module and fixtures:
    e.g. `-m "not prefect and not postgres"` while working on the logic."""
    for item in items:
        layers = {_LAYER_FIXTURES[f] for f in getattr(item, "fixturenames", ()) if f in _LAYER_FIXTURES}
        module = item.module.__name__.rsplit(".", 1)[-1] if item.module else ""
        if module in _LAYER_MODULES:
            layers.add(_LAYER_MODULES[module])
        for layer in sorted(layers):
            item.add_marker(layer)
