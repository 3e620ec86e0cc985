"""Checks on a real DuckDB file: latency, tokens and cost checks counted again in plain Python,
spend budgets, SLO burn-rate alerts and their error budget, and the alert lifecycle across runs
(a look back changes nothing, a long window's echo of a resolved incident opens nothing)."""

import random
from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from llm_vitals import pipeline
from llm_vitals.settings import Settings
from tests.conftest import write_jsonl
from tests.reference import quantile

DAY0 = datetime(2026, 10, 1, tzinfo=UTC)
CHECK_AT = DAY0 + timedelta(days=10)  # judges day 9 (the last complete day) against days 2-8


def _calls(days=10, per_day=600, seed=3, change=None):
    """Calls over `days` days on two routes and two models; `change(call, day)` alters a call."""
    rng = random.Random(seed)
    out = []
    for day in range(days):
        for i in range(per_day):
            at = DAY0 + timedelta(days=day, seconds=rng.randrange(86400))
            model = rng.choice(["fast-model", "slow-model"])
            call = {"request_id": f"d{day}-{i}", "timestamp": at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                    "route": rng.choice(["chat", "search"]), "model": model, "status": "ok",
                    "latency_ms": round(rng.lognormvariate(6.5 if model == "fast-model" else 7.2, 0.4), 1),
                    "input_tokens": int(rng.lognormvariate(7, 0.5)), "output_tokens": int(rng.lognormvariate(5, 0.5)),
                    "cost_usd": round(rng.uniform(0.001, 0.003), 6), "tenant": rng.choice(["acme", "globex"])}
            if rng.random() < 0.01:
                call["status"] = "error"
            if change:
                change(call, day)
            out.append(call)
    return out


def _settings(tmp_path, **extra) -> Settings:
    values = {"db": tmp_path / "v.duckdb", "read_copy": False, "data_docs_dir": None}
    return Settings(**(values | extra))


def _load(tmp_path, calls, **extra) -> Settings:
    settings = _settings(tmp_path, **extra)
    pipeline.ingest_sources(settings, [str(write_jsonl(tmp_path / "calls.jsonl", calls))])
    pipeline.compute_metrics(settings)
    return settings


def _alerts(settings):
    con = duckdb.connect(str(settings.db), read_only=True)
    try:
        return con.execute("select metric, dimension, segment, grain, status, also_seen_in from alerts"
                           " order by alert_id").fetchall()
    finally:
        con.close()


def test_a_model_whose_latency_triples_opens_one_latency_alert_counted_exactly(tmp_path):
    def slower(call, day):
        if day == 9 and call["model"] == "slow-model":
            call["latency_ms"] = round(call["latency_ms"] * 3, 1)

    calls = _calls(change=slower)
    settings = _load(tmp_path, calls)
    summary = pipeline.run_checks(settings, CHECK_AT, great_expectations=False)
    opened = [(cause.metric, cause.dimension, cause.segment) for _, cause, _ in summary.changes.opened]
    assert ("latency_p95_ms", "model", "slow-model") in opened
    assert not any(m.startswith("latency") and d in ("route", "tenant") for m, d, _ in opened)  # explained, not paged
    result = next(r for r in summary.results if (r.metric, r.grain, r.dimension, r.segment)
                  == ("latency_p95_ms", "day", "model", "slow-model"))
    baseline = [c["latency_ms"] for c in calls if c["model"] == "slow-model" and c["status"] == "ok"
                and DAY0 + timedelta(days=2) <= _at(c) < DAY0 + timedelta(days=9)]
    window = [c["latency_ms"] for c in calls if c["model"] == "slow-model" and c["status"] == "ok"
              and DAY0 + timedelta(days=9) <= _at(c) < CHECK_AT]
    assert result.baseline == quantile(baseline, 0.95)
    bound = max(result.baseline * 1.5, result.baseline + 300)
    assert result.threshold == bound and result.observed == quantile(window, 0.95)
    assert (result.numerator, result.sample_size) == (sum(v > bound for v in window), len(window))


def _at(call):
    return datetime.fromisoformat(call["timestamp"].replace("Z", "+00:00"))


def test_a_route_whose_prompts_double_opens_a_tokens_alert_and_a_few_huge_calls_do_not(tmp_path):
    def longer(call, day):
        if day == 9 and call["route"] == "search":
            call["input_tokens"] *= 2
        if day == 9 and call["route"] == "chat" and call["request_id"].endswith(("11", "57")):
            call["input_tokens"] *= 60  # a few huge calls: the mean jumps, the calls above p90 do not

    calls = _calls(change=longer)
    settings = _load(tmp_path, calls)
    summary = pipeline.run_checks(settings, CHECK_AT, great_expectations=False)
    day = {(r.metric, r.dimension, r.segment): r for r in summary.results if r.grain == "day"}
    search, chat = day[("tokens_per_request", "route", "search")], day[("tokens_per_request", "route", "chat")]
    assert search.status == "fail"
    assert chat.beyond and chat.status == "pass"
    opened = {(cause.metric, cause.segment) for _, cause, _ in summary.changes.opened}
    assert ("tokens_per_request", "search") in opened and ("tokens_per_request", "chat") not in opened
    ok_search = [c["input_tokens"] + c["output_tokens"] for c in calls if c["route"] == "search"
                 and c["status"] == "ok" and DAY0 + timedelta(days=9) <= _at(c) < CHECK_AT]
    p90 = quantile([c["input_tokens"] + c["output_tokens"] for c in calls if c["route"] == "search" and c["status"] == "ok"
                    and DAY0 + timedelta(days=2) <= _at(c) < DAY0 + timedelta(days=9)], 0.9)
    assert search.counted == p90 and search.numerator == sum(t > p90 for t in ok_search)
    assert search.observed == pytest.approx(sum(ok_search) / len(ok_search), rel=1e-12)


def test_a_spend_budget_warns_alerts_once_and_resolves_with_the_new_period(tmp_path):
    thresholds = tmp_path / "thresholds.yaml"
    from importlib.resources import files

    text = (files("llm_vitals.expectations") / "thresholds.yaml").read_text()
    thresholds.write_text(text.replace("budgets: []", "budgets:\n  - {tenant: acme, period: day, usd: 1.5}"))

    def pricier(call, day):
        if day == 9 and call["tenant"] == "acme":
            call["cost_usd"] = 0.01  # about 3 USD over the day

    settings = _load(tmp_path, _calls(change=pricier), thresholds=thresholds)
    noon = DAY0 + timedelta(days=9, hours=14)  # about 1.75 USD spent
    early = pipeline.run_checks(settings, DAY0 + timedelta(days=9, hours=6), great_expectations=False)
    warned = [c for _, c, _ in early.changes.opened if c.check == "budget"]
    assert [c.metric for c in warned] == ["spend_day_forecast_usd"]  # about 0.75 USD so far, on course for 3
    crossed = pipeline.run_checks(settings, noon, great_expectations=False)
    assert [c.metric for _, c, _ in crossed.changes.opened if c.check == "budget"] == ["spend_day_usd"]
    spend = next(r for r in crossed.results if r.metric == "spend_day_usd")
    calls = [c for c in _calls(change=pricier) if c["tenant"] == "acme" and DAY0 + timedelta(days=9) <= _at(c) < noon]
    assert spend.observed == pytest.approx(sum(c["cost_usd"] for c in calls), abs=1e-9)
    again = pipeline.run_checks(settings, noon + timedelta(hours=1), great_expectations=False)
    assert not [c for _, c, _ in again.changes.opened if c.check == "budget"]  # never repeats for the same crossing
    next_day = pipeline.run_checks(settings, CHECK_AT + timedelta(hours=1), great_expectations=False)
    assert {m for _, m, _ in next_day.changes.resolved} >= {"spend_day_usd"}


def test_an_outage_pages_by_burn_rate_and_the_error_budget_is_counted(tmp_path):
    slos = tmp_path / "slos.yaml"
    slos.write_text("slos:\n  - {name: availability, objective: availability, target: 0.99, window_days: 7}\n")

    def outage(call, day):
        at = _at(call)
        if DAY0 + timedelta(days=9, hours=10) <= at < DAY0 + timedelta(days=9, hours=12) and int(call["request_id"][-1]) < 6:
            call["status"] = "error"  # 60 % of calls fail for two hours

    calls = _calls(change=outage, per_day=2400)
    settings = _load(tmp_path, calls, slos=slos)
    during = pipeline.run_checks(settings, DAY0 + timedelta(days=9, hours=11, minutes=30), great_expectations=False)
    paged = [c for _, c, _ in during.changes.opened if c.check == "slo"]
    assert [(c.metric, c.severity) for c in paged] == [("slo_availability_page", "critical")]
    after = pipeline.run_checks(settings, DAY0 + timedelta(days=9, hours=13), great_expectations=False)
    assert "slo_availability_page" in {m for _, m, _ in after.changes.resolved}  # the short window cleared
    as_of = DAY0 + timedelta(days=9, hours=13)
    window = [c for c in calls if as_of - timedelta(days=7) <= _at(c) < as_of]
    bad = sum(c["status"] != "ok" for c in window)
    con = duckdb.connect(str(settings.db), read_only=True)
    remaining, good, total = con.execute("select budget_remaining, good, total from slo_budgets").fetchone()
    con.close()
    assert (good, total) == (len(window) - bad, len(window))
    assert remaining == pytest.approx(1 - bad / (0.01 * len(window)), rel=1e-12)


def test_bad_slo_files_name_the_field(tmp_path):
    from llm_vitals.checks import slos
    from llm_vitals.errors import ConfigError

    bad = tmp_path / "slos.yaml"
    for text, where in [
        ("slos:\n  - {name: a, objective: uptime, target: 0.99}\n", "slos.0.objective"),
        ("slos:\n  - {name: a, objective: availability, target: 1.5}\n", "slos.0.target"),
        ("slos:\n  - {name: a, objective: latency, target: 0.9}\n", "latency_ms"),
        ("slos:\n  - {name: a, objective: availability, target: 0.9}\n  - {name: a, objective: availability, target: 0.9}\n",
         "unique"),
        ("page:\n  - {long: 2h, short: 5m, rate: 3}\n", "page.0.long"),
        ("slos: [1, 2\n", "not valid YAML"),
    ]:
        bad.write_text(text)
        with pytest.raises(ConfigError, match=where.replace(".", r"\.")):
            slos.load(bad)


def test_a_look_back_posts_nothing_and_a_resolved_incident_stays_resolved(tmp_path):
    def broken(call, day):
        if day in (7, 8) and call["route"] == "search" and int(call["request_id"][-1]) < 3:
            call["status"] = "timeout"  # 30 % of search times out on days 7 and 8

    # Slack configured (messages queue in the outbox; nothing here delivers them)
    settings = _load(tmp_path, _calls(days=11, change=broken), slack_webhook_url="http://127.0.0.1:9/services/T/B/x")
    for day in (8, 9, 10):
        pipeline.run_checks(settings, DAY0 + timedelta(days=day), great_expectations=False)
    first = _alerts(settings)
    assert [(m, d, s, status) for m, d, s, _, status, _ in first if m == "timeout_rate"] == [
        ("timeout_rate", "route", "search", "resolved")]
    # the 3-day window still holds days 7 and 8 at day 10: an echo, not a second incident
    later = pipeline.run_checks(settings, DAY0 + timedelta(days=10, hours=3), great_expectations=False)
    assert not later.changes.opened
    queued = _outbox(settings)
    assert queued >= 2  # opened and resolved
    back = pipeline.run_checks(settings, DAY0 + timedelta(days=9), great_expectations=False)
    assert back.look_back and not back.changes.opened and not back.changes.resolved
    assert _alerts(settings) == first and _outbox(settings) == queued
    con = duckdb.connect(str(settings.db), read_only=True)
    assert con.execute("select look_back from check_runs order by run_id").fetchall()[-1] == (True,)
    con.close()


def _outbox(settings) -> int:
    con = duckdb.connect(str(settings.db), read_only=True)
    try:
        return con.execute("select count(*) from outbox").fetchone()[0]
    finally:
        con.close()
