"""The weekly digest on the demo's incident week: names the week, ties regressions to their causes."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from llm_vitals import db, pipeline
from llm_vitals.cli import main
from llm_vitals.reports import digest, digest_render


@pytest.fixture
def week_db(checked_demo_db):
    return checked_demo_db


def test_the_digest_ties_each_regression_to_its_cause(week_db):
    con = db.connect(week_db)
    built = digest.build(con, "2026-W42")
    con.close()
    text = digest_render.markdown(built)
    assert "2026-W42 (Oct 12 – Oct 18, 2026)" in text
    by_metric = {(r.metric, r.dimension, r.segment): r.attribution for r in built.regressions}
    parser = by_metric[("parser_failure_rate", "route", "extract")]
    assert (parser.kind, parser.dimension, parser.values) == ("version", "prompt_version", ("v8",))
    assert "prompt_version v8 (rolled out 2026-10-13 10:01 UTC): 7.9% of 669 calls" in parser.text
    # release 2026.11.2 went out Monday 09:00 on every route and runs through all three incidents: never blamed
    assert ("release", "2026.11.2") in {(d, v) for d, v, _, _ in built.changes}
    assert all("2026.11.2" not in r.attribution.text for r in built.regressions)
    gemini = next(a for (m, d, g), a in by_metric.items() if m in ("timeout_rate", "error_rate") and a.kind != "version")
    assert "not explained by a version change" in gemini.text and "gemini-2.5-flash" in gemini.text
    assert "2026-10-15 06:00" in gemini.text  # the outage's hours (06:00-22:00)
    t04 = by_metric[("retrieval_empty_rate", "tenant", "t04")]
    assert t04.kind == "not_version_related" and "not explained by a version change: 2026-10-16" in t04.text
    assert "prompt_version v8 first seen 2026-10-13 10:01 UTC on extract; moved: parser_failure_rate" in text
    assert "retrieval_empty_rate on tenant t04 (critical): opened 2026-10-17 00:00" in text


def test_the_digest_respects_slack_limits_and_escapes_log_values(week_db):
    con = db.connect(week_db)
    built = digest.build(con, "2026-W42")
    con.close()
    built.changes += [("release", f"<!channel> r{i}", datetime(2026, 10, 13, tzinfo=UTC), ["<@U1>"]) for i in range(400)]
    message = digest_render.blocks(built)
    assert len(message["blocks"]) <= 50
    assert all(len(b["text"]["text"]) <= 3000 for b in message["blocks"] if b["type"] == "section")
    assert any("… and " in b["text"]["text"] for b in message["blocks"] if b["type"] == "section")
    encoded = json.dumps(message)
    assert "<!channel>" not in encoded and "<@U1>" not in encoded and "&lt;!channel&gt;" in encoded


def _post_to(server, monkeypatch, tenants: str) -> None:
    """Points the digest at the loopback Slack server: #weekly, and a channel per tenant."""
    for name, value in {"SLACK_BOT_TOKEN": "xoxb-digest", "LLM_VITALS_SLACK_CHANNEL": "#weekly",
                        "LLM_VITALS_SLACK_BASE_URL": server.base_url, "LLM_VITALS_SLACK_CHANNELS_BY_TENANT": tenants}.items():
        monkeypatch.setenv(name, value)


def test_digest_command_prints_markdown_and_posts_to_slack(week_db, tmp_path, capsys, monkeypatch):
    import shutil

    from tests.slack_server import SlackServer

    db_path = shutil.copy(week_db, tmp_path / "post.duckdb")
    monkeypatch.chdir(tmp_path)
    assert main(["digest", "--db", str(db_path), "--week", "2026-W42"]) == 0
    assert "## Top regressions" in capsys.readouterr().out
    chart = (tmp_path / "llm-vitals-digest-2026-W42.png").read_bytes()
    from io import BytesIO

    from matplotlib import image

    assert chart.startswith(b"\x89PNG") and image.imread(BytesIO(chart)).shape[0] > 300
    server = SlackServer().start()
    try:
        _post_to(server, monkeypatch, tenants='{"t04": "#acme"}')
        assert main(["digest", "--db", str(db_path), "--week", "2026-W42"]) == 0
        posted = server.messages()
        assert [p["channel"] for p in posted] == ["#weekly", "#acme"] and "2026-W42" in posted[0]["text"]
        assert "t01" not in json.dumps(posted[1]) and "tenant t04" in posted[1]["text"]
        uploads = [r for r in server.received if r["path"] == "/api/files.completeUploadExternal"]
        assert [u["body"].get("channel_id") for u in uploads] == ["#weekly", "#acme"]
        assert next(r for r in server.received if r["path"] == "/upload/F1")["body"]["bytes"] == len(chart)
    finally:
        server.stop()
    assert main(["digest", "--db", str(db_path), "--week", "week 42"]) == 2
    assert "is not an ISO week" in capsys.readouterr().err


def test_a_model_swap_that_slows_a_route_is_named_in_the_digest(tmp_path):
    """Route chat moves from a fast model to a slow one on Monday of the digest's week."""
    import random

    from llm_vitals import ingest, metrics
    from tests.conftest import write_jsonl

    rng = random.Random(3)
    calls = []
    for i in range(4000):
        at = datetime(2026, 10, 5, tzinfo=UTC) + timedelta(seconds=rng.randrange(14 * 86400))
        swapped = at >= datetime(2026, 10, 12, tzinfo=UTC) and rng.random() < 0.7
        model, latency = ("slow-model", rng.uniform(900, 3000)) if swapped else ("fast-model", rng.uniform(300, 1000))
        calls.append({"request_id": f"c{i}", "timestamp": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "route": "chat",
                      "model": model, "status": "ok", "latency_ms": round(latency, 1), "prompt_version": "v1"})
    con = db.connect(tmp_path / "swap.duckdb")
    ingest.ingest(con, ingest.discover([str(write_jsonl(tmp_path / "swap.jsonl", calls))]))
    metrics.compute(con)
    built = digest.build(con, "2026-W42")
    # one route only: "all calls" and "route chat" are the same calls, listed once
    latency = [r for r in built.regressions if r.metric == "latency_p95_ms"]
    assert len(latency) == 1 and latency[0].attribution.kind == "version"
    assert latency[0].attribution.values == ("slow-model",)
    assert "latency_p95_ms 964 ms → 2,834 ms" in latency[0].attribution.text
    assert "model slow-model first seen 2026-10-12" in digest_render.markdown(built)


def test_a_tenant_digest_names_no_other_tenant(week_db, tmp_path):
    from io import BytesIO

    from matplotlib import image

    from tests.demo_db import demo_settings as settings_for

    built, chart = pipeline.tenant_digest(settings_for(week_db), "t04", "2026-W42")
    text = digest_render.markdown(built)
    message = json.dumps(digest_render.blocks(built))
    assert "tenant t04" in text and "retrieval_empty_rate on tenant t04" in text
    others = [f"t{n:02d}" for n in range(1, 13) if n != 4]
    assert not any(name in text or name in message for name in others)
    con = db.connect(week_db)
    everyone = digest.build(con, "2026-W42")
    con.close()
    assert built.value("requests") < everyone.value("requests") / 5  # only t04's calls
    assert image.imread(BytesIO(chart)).shape[0] > 300


def test_a_digest_without_calls_says_so_and_posts_nothing(week_db, tmp_path, capsys, monkeypatch):
    import shutil

    from tests.slack_server import SlackServer

    db_path = shutil.copy(week_db, tmp_path / "empty.duckdb")
    monkeypatch.chdir(tmp_path)
    assert main(["digest", "--db", str(db_path), "--week", "2026-W42", "--tenant", "nosuch"]) == 2
    err = capsys.readouterr().err
    assert "Tenant 'nosuch' has no calls in week 2026-W42" in err and "Tenants with calls that week: t" in err
    server = SlackServer().start()
    try:
        _post_to(server, monkeypatch, tenants='{"nosuch": "#ghost", "t04": "#acme"}')
        assert main(["digest", "--db", str(db_path), "--week", "2026-W30"]) == 2
        err = capsys.readouterr().err
        assert "Week 2026-W30 has no calls" in err and "pick a week in that range" in err
        assert server.messages() == [] and not (tmp_path / "llm-vitals-digest-2026-W30.png").exists()
        assert main(["digest", "--db", str(db_path), "--week", "2026-W42"]) == 0
        assert "No digest for tenant nosuch: Tenant 'nosuch' has no calls" in capsys.readouterr().out
        assert [p["channel"] for p in server.messages()] == ["#weekly", "#acme"]
    finally:
        server.stop()
