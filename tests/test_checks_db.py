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


def _stored_costs(settings) -> dict:
    """Each call's cost as stored (a call without one is priced at ingest), by request_id."""
    con = duckdb.connect(str(settings.db), read_only=True)
    try:
        return dict(con.execute("select request_id, cost_usd from requests where cost_usd is not null").fetchall())
    finally:
        con.close()


def test_every_exceedance_bound_counts_its_calls_and_tasks_as_python_does(tmp_path):
    """check_exceedances.sql against a plain-Python count: per bound, its values in its window, how
    many exceed the bound, and the window's quantile (shared by the p95 and p99 of one segment) or
    mean, with and without another segment's calls (a task leaves when one of its calls is that
    model's or prompt version's, or when its first call is that route's or tenant's)."""
    from decimal import Decimal
    from types import SimpleNamespace

    from llm_vitals import db
    from llm_vitals.checks import data
    from llm_vitals.checks.detect import Bound
    from tests.conftest import CLOCK, generated_records

    records = generated_records(3000, seed=5, days=3)
    settings = _settings(tmp_path)
    pipeline.ingest_sources(settings, [str(write_jsonl(tmp_path / "calls.jsonl", records))])
    windows = [SimpleNamespace(start=CLOCK + timedelta(hours=6), end=CLOCK + timedelta(days=1)),
               SimpleNamespace(start=CLOCK, end=CLOCK + timedelta(days=3))]
    call_checks = {"latency_p95_ms": 4000.0, "latency_p99_ms": 4500.0, "ttft_p95_ms": 400.0,
                   "tokens_per_request": 4000.0, "cost_per_request_usd": 0.005}
    segments = [("all", "all"), ("route", "chat"), ("model", "gpt-4o-mini"), ("prompt_version", ""),
                ("tenant", "t1")]
    call_excludes = [(None, None), ("model", "unknown-x"), ("tenant", ""), ("prompt_version", "v2")]
    task_excludes = [(None, None), ("model", "unknown-x"), ("prompt_version", "v2"), ("prompt_version", ""),
                     ("route", "agent"), ("tenant", "")]
    bounds = []
    for window in windows:
        for dimension, segment in segments:
            for metric, bound in call_checks.items():
                for excluded in call_excludes:
                    bounds.append((window, Bound(len(bounds), metric, dimension, segment, bound, *excluded)))
            if dimension in ("all", "route", "tenant"):
                for excluded in task_excludes:
                    bounds.append((window, Bound(len(bounds), "cost_per_successful_task_usd", dimension, segment,
                                                 0.01, *excluded)))

    cost = _stored_costs(settings)
    scan = [r for r in records if CLOCK <= _at(r) < CLOCK + timedelta(days=3)]
    for r in scan:
        r.pop("cost_usd", None)
        if r["request_id"] in cost:
            r["cost_usd"] = cost[r["request_id"]]
        r["_at"], r["_pv"], r["_tenant"] = _at(r), r.get("prompt_version") or "", r.get("tenant") or ""
        r["_of"] = {"all": "all", "route": r["route"], "model": r["model"], "prompt_version": r["_pv"],
                    "tenant": r["_tenant"]}
    ok = "ok"
    column = {
        "latency_p95_ms": lambda r: r["latency_ms"] if r["status"] == ok else None,
        "latency_p99_ms": lambda r: r["latency_ms"] if r["status"] == ok else None,
        "ttft_p95_ms": lambda r: r.get("ttft_ms") if r["status"] == ok else None,
        "tokens_per_request": lambda r: float(r.get("input_tokens", 0) + r.get("output_tokens", 0))
        if r["status"] == ok and ("input_tokens" in r or "output_tokens" in r) else None,
        "cost_per_request_usd": lambda r: r.get("cost_usd"),  # a Decimal, as stored
    }
    tasks = {}
    for r in sorted(scan, key=lambda r: (r["_at"], r["request_id"])):
        task = tasks.setdefault(r["task_id"], {"first": r, "cost": Decimal(0), "outcome": None, "calls": []})
        task["cost"] += r.get("cost_usd", 0)
        task["calls"].append(r)
        if "task_success" in r:
            task["outcome"] = r["task_success"]

    expected = {}
    for window, b in bounds:
        if b.metric == "cost_per_successful_task_usd":
            chosen = [t for t in tasks.values() if window.start <= t["first"]["_at"] < window.end
                      and t["first"]["_of"][b.dimension] == b.segment
                      and not (b.exclude_dimension in ("route", "tenant")
                               and t["first"]["_of"][b.exclude_dimension] == b.exclude_segment)
                      and not (b.exclude_dimension in ("model", "prompt_version")
                               and any(c["_of"][b.exclude_dimension] == b.exclude_segment for c in t["calls"]))]
            if chosen:
                costs = [t["cost"] for t in chosen]
                successes = sum(t["outcome"] is True for t in chosen)
                expected[b.key] = (len(costs), sum(float(c) > b.bound for c in costs),
                                   float(sum(costs)) / successes if successes else None)
            continue
        rows = [r for r in scan if window.start <= r["_at"] < window.end and r["_of"][b.dimension] == b.segment
                and (b.exclude_dimension is None or r["_of"][b.exclude_dimension] != b.exclude_segment)]
        if rows:
            values = [v for v in map(column[b.metric], rows) if v is not None]
            observed = (quantile(values, 0.99 if b.metric == "latency_p99_ms" else 0.95) if b.metric.endswith("_ms")
                        else sum(values) / len(values) if values else None)
            if b.metric == "cost_per_request_usd" and values:  # the exact sum of the stored DECIMALs
                observed = float(sum(values)) / len(values)
            expected[b.key] = (len(values), sum(float(v) > b.bound for v in values), observed)

    con = db.connect(settings.db)
    try:
        db.run(con, "macros")
        measured = data.measure(con, bounds)
    finally:
        con.close()
    assert measured.keys() == expected.keys() and len(expected) > 0.9 * len(bounds)
    for key, (n, k, observed) in expected.items():
        got = measured[key]
        assert got[:2] == (n, k), (bounds[key][1], got, (n, k))
        assert got[2] == observed, (bounds[key][1], got[2], observed)


def test_every_baseline_is_the_quantile_or_mean_python_computes(tmp_path):
    """check_baseline_calls.sql and check_baseline_tasks.sql against plain Python, every segment
    and metric of one baseline range: quantiles of every call (not of windows), means with the 90th
    percentile of single calls or tasks, and cost means as the exact sum of the stored DECIMALs."""
    from decimal import Decimal

    from llm_vitals import db
    from llm_vitals.checks import data
    from llm_vitals.checks.detect import WindowSpec
    from tests.conftest import CLOCK, generated_records

    records = generated_records(3000, seed=7, days=3)
    settings = _settings(tmp_path)
    pipeline.ingest_sources(settings, [str(write_jsonl(tmp_path / "calls.jsonl", records))])
    start, end = CLOCK + timedelta(hours=6), CLOCK + timedelta(days=3)
    cost = _stored_costs(settings)

    calls = sorted((r for r in records if start <= _at(r) < end), key=lambda r: (_at(r), r["request_id"]))
    segments: dict[tuple[str, str], list[dict]] = {}
    for r in calls:
        for key in [("all", "all"), ("route", r["route"]), ("model", r["model"]),
                    ("prompt_version", r.get("prompt_version") or ""), ("tenant", r.get("tenant") or "")]:
            segments.setdefault(key, []).append(r)
    expected = {}
    for (dimension, segment), rows in segments.items():
        ok = [r for r in rows if r["status"] == "ok"]
        latency = [r["latency_ms"] for r in ok]
        ttft = [r["ttft_ms"] for r in ok if r.get("ttft_ms") is not None]
        tokens = [float(r.get("input_tokens", 0) + r.get("output_tokens", 0))
                  for r in ok if "input_tokens" in r or "output_tokens" in r]
        costs = [cost[r["request_id"]] for r in rows if r["request_id"] in cost]
        expected[(dimension, segment, "latency_p95_ms")] = (quantile(latency, 0.95), None, len(latency))
        expected[(dimension, segment, "latency_p99_ms")] = (quantile(latency, 0.99), None, len(latency))
        expected[(dimension, segment, "ttft_p95_ms")] = (quantile(ttft, 0.95), None, len(ttft))
        expected[(dimension, segment, "tokens_per_request")] = (
            sum(tokens) / len(tokens) if tokens else None, quantile(tokens, 0.9), len(tokens))
        expected[(dimension, segment, "cost_per_request_usd")] = (
            float(sum(costs)) / len(costs) if costs else None, quantile([float(c) for c in costs], 0.9), len(costs))
    tasks: dict[str, dict] = {}
    for r in calls:  # a task's calls in the range, its first call naming its route and tenant
        task = tasks.setdefault(r["task_id"], {"first": r, "cost": Decimal(0), "outcome": None})
        task["cost"] += cost.get(r["request_id"], 0)
        if "task_success" in r:
            task["outcome"] = r["task_success"]
    by_segment: dict[tuple[str, str], list[dict]] = {}
    for t in tasks.values():
        for key in [("all", "all"), ("route", t["first"]["route"]), ("tenant", t["first"].get("tenant") or "")]:
            by_segment.setdefault(key, []).append(t)
    for (dimension, segment), chosen in by_segment.items():
        successes = sum(t["outcome"] is True for t in chosen)
        expected[(dimension, segment, "cost_per_successful_task_usd")] = (
            float(sum(t["cost"] for t in chosen)) / successes if successes else None,
            quantile([float(t["cost"]) for t in chosen], 0.9), successes)

    window = WindowSpec("day", end, end + timedelta(days=1), start, end)
    con = db.connect(settings.db)
    try:
        db.run(con, "macros")
        got = data.load_baselines(con, [window])["day"]
    finally:
        con.close()
    assert got.keys() == expected.keys() and len(expected) > 40
    for key, (value, p90, n) in expected.items():
        assert got[key][2] == n, (key, got[key], n)
        assert got[key][0] == value, (key, got[key][0], value)
        if key[2] in ("tokens_per_request", "cost_per_request_usd", "cost_per_successful_task_usd"):
            assert got[key][1] == p90, (key, got[key][1], p90)
