"""The checklist's interpretation rules: pure cases with known drivers, then the digest end to end on
logs with three known causes, its evidence recomputed from the records in plain Python."""

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from llm_vitals import db, ingest, metrics
from llm_vitals.reports import digest, digest_render, evidence
from llm_vitals.reports.evidence import Usage
from tests.conftest import write_jsonl


def _week(models: dict[str, tuple[int, str]], tasks: int | None = None, **sums) -> Usage:
    """A week of calls: models maps model -> (calls, cost per call); tasks default to one per call."""
    by_model = {m: Usage(calls=n, tasks=n, priced_calls=n, cost_usd=Decimal(c) * n) for m, (n, c) in models.items()}
    calls = sum(n for n, _ in models.values())
    return Usage(calls=calls, tasks=tasks or calls, priced_calls=calls, cost_usd=sum(u.cost_usd for u in by_model.values()),
                 by_model=by_model, **sums)


def test_routing_to_a_premium_model_is_named_as_the_cost_driver():
    before = _week({"mini": (900, "0.001"), "large": (100, "0.01")})
    now = _week({"mini": (500, "0.001"), "large": (500, "0.01")})
    found = evidence.cost(before, now)
    assert found.reading == "routing share to premium models"
    assert "share to premium models (large) 10.0% → 50.0%" in found.text()
    routing, per_model = evidence.routing_and_per_model(before, now)
    # cost per call 0.0019 -> 0.0055: all routing, exactly, in rational arithmetic too
    assert Fraction(routing).limit_denominator(10**9) == Fraction(36, 10**4) and per_model == 0


def test_retries_that_add_calls_per_task_are_named_as_the_cost_driver():
    before = _week({"mini": (1000, "0.002")}, tasks=1000, retries=0)
    now = _week({"mini": (1500, "0.002")}, tasks=1000, retries=500)
    found = evidence.cost(before, now)
    assert found.reading == "retries and fallbacks (more calls per task)"
    assert "calls per task 1.00 → 1.50 (retries per task 0.00 → 0.50" in found.text()


def test_more_tokens_per_call_on_the_same_models_are_named_as_the_cost_driver():
    before = _week({"mini": (800, "0.001"), "large": (200, "0.01")}, calls_with_output_tokens=1000, output_tokens=300_000,
                   calls_with_input_tokens=1000, input_tokens=1_000_000)
    now = _week({"mini": (800, "0.002"), "large": (200, "0.02")}, calls_with_output_tokens=1000, output_tokens=900_000,
                calls_with_input_tokens=1000, input_tokens=1_000_000)
    found = evidence.cost(before, now)
    assert found.reading == "tokens per call or prices (each model's cost per call)"
    assert "routing +0%, per-model +100%" in found.text() and "tokens per call 1,300 → 1,900" in found.text()


def test_latency_up_without_more_traffic_names_what_got_heavier():
    before = Usage(calls=1000, tasks=500, calls_with_output_tokens=1000, output_tokens=200_000, tool_calls=500, retries=10)
    now = Usage(calls=1010, tasks=505, calls_with_output_tokens=1010, output_tokens=606_000, tool_calls=505, retries=10)
    found = evidence.latency(before, now)
    assert found.reading == "latency rose without more traffic; output tokens per call rose"
    assert found.evidence == ("traffic 1,000 → 1,010 calls (+1%)", "output tokens per call 200 → 600",
                              "tool calls per task 1.00 → 1.00", "retries per task 0.02 → 0.02")


def test_latency_up_with_much_more_traffic_points_at_load():
    found = evidence.latency(Usage(calls=1000, tasks=1000), Usage(calls=1600, tasks=1600))
    assert found.reading.startswith("latency rose with traffic: load may explain it")


def test_quality_down_reads_latency():
    assert evidence.quality(1000.0, 1020.0).reading.startswith("quality fell with latency normal")
    assert evidence.quality(1000.0, 1500.0).reading.startswith("quality fell while latency rose too")


def test_parser_failures_after_a_prompt_change_tell_structure_from_quality():
    others = Usage(structured_calls=1000, parse_failures=10, parsed_evaluated=990, parsed_passed=900)
    structure = Usage(structured_calls=1000, parse_failures=90, parsed_evaluated=910, parsed_passed=826)  # 90.8 % pass
    quality = Usage(structured_calls=1000, parse_failures=90, parsed_evaluated=910, parsed_passed=700)  # 76.9 %
    assert evidence.parser("v8", structure, others).reading.startswith("structure: v8's output stopped parsing")
    assert evidence.parser("v8", quality, others).reading.startswith("quality: v8's answers that parse are worse too")
    assert "too few evaluated" in evidence.parser("v8", Usage(structured_calls=10, parse_failures=5), others).text()


# --- the digest end to end: three known causes in one week's logs ---------------------------------

LAST_WEEK, THIS_WEEK = datetime(2026, 10, 5, tzinfo=UTC), datetime(2026, 10, 12, tzinfo=UTC)


def _logs(rng: random.Random) -> list[dict]:
    """Two weeks, three routes, each with one known cause this week:
    extract: prompt v2 breaks the output format (answers that parse are as good);
    chat: half its traffic moves to a premium model;
    agent: answers grow three times longer, and so slower, with the same traffic."""
    out = []
    for i in range(9000):
        at = LAST_WEEK + timedelta(seconds=rng.randrange(14 * 86400))
        late = at >= THIS_WEEK
        route = ("extract", "chat", "agent")[i % 3]
        call = {"request_id": f"c{i}", "timestamp": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "route": route, "status": "ok",
                "model": "mini", "prompt_version": "v1", "input_tokens": 1000,
                "output_tokens": rng.randrange(150, 250), "latency_ms": round(rng.uniform(400, 900), 1),
                "retries": 0, "tool_calls": 1}
        if route == "extract":
            v2 = late and rng.random() < 0.5
            call.update(structured_output=True, prompt_version="v2" if v2 else "v1",
                         parse_ok=rng.random() >= (0.15 if v2 else 0.01))
            call["eval_pass"] = rng.random() < 0.9 if call["parse_ok"] else False
        elif route == "chat" and late and rng.random() < 0.5:
            call["model"] = "large"
        elif route == "agent" and late:
            call["output_tokens"] *= 3
            call["latency_ms"] = round(call["latency_ms"] * 3, 1)
        per_token = {"mini": Decimal("0.000001"), "large": Decimal("0.00001")}[call["model"]]
        call["cost_usd"] = str(per_token * (call["input_tokens"] + call["output_tokens"]))
        out.append(call)
    return out


def test_the_digest_applies_the_interpretation_rules_with_their_evidence(tmp_path):
    calls = _logs(random.Random(5))
    con = db.connect(tmp_path / "rules.duckdb")
    ingest.ingest(con, ingest.discover([str(write_jsonl(tmp_path / "rules.jsonl", calls))]))
    metrics.compute(con)
    built = digest.build(con, "2026-W42")
    text = digest_render.markdown(built)

    parser = next(r for r in built.regressions if r.metric == "parser_failure_rate")  # only extract has v2
    assert parser.attribution.values == ("v2",)
    assert parser.finding.reading == "structure: v2's output stopped parsing, but the answers that parse are as good"
    latency = next(r for r in built.regressions if (r.metric, r.segment) == ("latency_p95_ms", "agent"))
    assert latency.finding.reading == "latency rose without more traffic; output tokens per call rose"
    chat = next(r for r in built.cost_regressions if r.segment == "chat")
    assert chat.finding.reading == "routing share to premium models"
    agent = next(r for r in built.cost_regressions if r.segment == "agent")  # 1,200 -> 1,600 tokens per call: +33 %
    assert agent.finding.reading == "tokens per call or prices (each model's cost per call)"
    assert {r.segment for r in built.cost_regressions} == {"chat", "agent", "all"}
    assert "## Cost growing faster than usage" in text and "Reading: routing share to premium models" in text

    # the evidence, recomputed from the records in plain Python
    def week(route, late, version=None):
        return [c for c in calls if c["route"] == route and (c["timestamp"] >= "2026-10-12") == late
                and (version is None or c["prompt_version"] == version)]

    agent_before, agent_now = week("agent", False), week("agent", True)
    assert latency.finding.evidence[0] == f"traffic {len(agent_before):,} → {len(agent_now):,} calls ({100 * (len(agent_now) - len(agent_before)) / len(agent_before):+.0f}%)"
    per_call = [sum(c["output_tokens"] for c in w) / len(w) for w in (agent_before, agent_now)]
    assert f"output tokens per call {per_call[0]:,.0f} → {per_call[1]:,.0f}" in latency.finding.evidence
    v2, v1 = week("extract", True, "v2"), week("extract", True, "v1")
    rates = [100 * sum(not c["parse_ok"] for c in w) / len(w) for w in (v2, v1)]
    passed = [100 * sum(c["eval_pass"] for c in w if c["parse_ok"]) / sum(c["parse_ok"] for c in w) for w in (v2, v1)]
    assert parser.finding.evidence == (f"parse failures v2 {rates[0]:.1f}% vs others {rates[1]:.1f}%",
                                       f"eval pass among calls that parsed v2 {passed[0]:.1f}% vs others {passed[1]:.1f}%")
    chat_now = week("chat", True)
    premium = 100 * sum(c["model"] == "large" for c in chat_now) / len(chat_now)
    assert f"share to premium models (large) 0.0% → {premium:.1f}%" in chat.finding.text()
    cost_before = sum(Decimal(c["cost_usd"]) for c in week("chat", False))
    tasks_before = len({c["request_id"] for c in week("chat", False)})  # no task_id: one call, one task
    assert chat.before == float(cost_before) / tasks_before
