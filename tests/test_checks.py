"""Checks as pure functions: the exact binomial tail, Holm, sample-size awareness, one cause one alert."""

from datetime import UTC, datetime
from fractions import Fraction
from math import comb

import pytest

from llm_vitals import checks, thresholds
from llm_vitals.errors import ConfigError
from llm_vitals.stats import binomial_sf, holm

START = datetime(2026, 10, 5, tzinfo=UTC)


@pytest.mark.parametrize(("n", "p"), [(1, 0.5), (40, 0.025), (300, 0.03), (400, 0.02), (200, 0.3)])
def test_binomial_tail_matches_exact_sum(n, p):
    q = Fraction(p)  # the exact binary value of the float
    for k in range(0, n + 1, max(1, n // 25)):
        exact = float(sum(comb(n, i) * q**i * (1 - q) ** (n - i) for i in range(k, n + 1)))
        if exact > 1e-100:  # decisions happen around 1e-6; far tails only need to be tiny
            assert binomial_sf(k, n, p) == pytest.approx(exact, rel=1e-9)
        else:
            assert binomial_sf(k, n, p) < 1e-90


def test_holm_rejects_in_step_down_order():
    assert holm([0.01, 0.0001, 0.04, 0.5], 0.05) == [True, True, False, False]
    assert holm([0.03, 0.03], 0.05) == [False, False]


def _thresholds(**check) -> thresholds.Thresholds:
    rule = {"severity": "critical", "max": 0.5, "max_ratio": 2.0, "min_increase": 0.02, "min_sample_size": 30, **check}
    return thresholds.Thresholds.model_validate({"settings": {"false_alarm_rate": 0.001, "grains": ["day"]},
                                                 "checks": {"parser_failure_rate": rule}})


def _cell(route="chat", model="m1", version="v1", tenant="t1", failures=0, structured=0):
    base = {name: 0 for pair in thresholds.RATE_COUNTS.values() for name in pair}
    base.update(route=route, model=model, prompt_version=version, tenant=tenant,
                parse_failures=failures, structured_calls=structured)
    return base


def _judge(cells, config, baseline=0.01):
    window = checks.Window("day", START, cells, {
        (d, s, "parser_failure_rate"): (baseline, 7)
        for d in ("all", "route", "model", "prompt_version", "tenant") for s in
        {"all"} | {c[d] for c in cells if d != "all"}})
    results = checks.evaluate([window], config)
    checks.judge(results, checks.beyond_bounds(results, config), config)
    return window, results


@pytest.mark.parametrize(
    ("failures", "calls", "fails"),
    [(3, 40, False), (90, 1000, True), (10, 1000, False), (2, 20, False)],
    ids=["3-of-40-is-noise", "90-of-1000-is-not", "baseline-level", "below-min-sample"],
)
def test_decisions_know_the_sample_size(failures, calls, fails):
    config = _thresholds()
    _, results = _judge([_cell(failures=failures, structured=calls)], config)
    overall = next(r for r in results if r.dimension == "all")
    assert (overall.status == "fail") is fails
    if calls < 30:
        assert overall.status == "not enough data"


def test_one_broken_route_opens_one_incident_listing_what_it_drags():
    config = _thresholds()
    cells = []
    for tenant in ("t1", "t2", "t3", "t4"):
        for model in ("m1", "m2"):
            cells.append(_cell("extract", model, "v8", tenant, failures=90, structured=1000))  # 9 %
            cells.append(_cell("chat", model, "v1", tenant, failures=10, structured=1000))    # 1 %
    window, results = _judge(cells, config)
    found = checks.incidents([window], results, config)
    assert [(i.cause.dimension, i.cause.segment) for i in found] == [("route", "extract")]
    dragged = {(r.dimension, r.segment) for r in found[0].also_seen_in}
    assert ("prompt_version", "v8") in dragged and ("tenant", "t1") in dragged and ("model", "m1") in dragged
    assert all(r.explained_by == "route extract" for r in found[0].also_seen_in)


def test_a_rise_the_incident_does_not_explain_opens_its_own():
    config = _thresholds()
    cells = [
        _cell("extract", "m1", "v8", "t1", failures=20, structured=200),
        _cell("chat", "m1", "v1", "t1", failures=2, structured=200),
        _cell("chat", "m1", "v1", "t2", failures=40, structured=200),  # tenant t2 broke on its own
        _cell("chat", "m1", "v1", "t3", failures=2, structured=200),
    ]
    window, results = _judge(cells, config)
    causes = {(i.cause.dimension, i.cause.segment) for i in checks.incidents([window], results, config)}
    assert ("route", "extract") in causes and ("tenant", "t2") in causes


def test_thresholds_file_errors_name_the_field(tmp_path):
    bad = tmp_path / "t.yaml"
    bad.write_text("checks:\n  parser_failure_rate:\n    max: 2\n")
    with pytest.raises(ConfigError, match="checks.parser_failure_rate.max"):
        thresholds.load(bad)
    bad.write_text("checks:\n  latency_vibes: {max: 0.1}\n")
    with pytest.raises(ConfigError, match="unknown metric"):
        thresholds.load(bad)


def test_great_expectations_suite_finds_the_same_rows_as_the_plain_twin():
    from llm_vitals import gx_checks

    config = _thresholds()
    cells = [_cell("extract", "m1", "v8", "t1", failures=9, structured=100), _cell("chat", "m2", "v1", "t2", 1, 100)]
    _, results = _judge(cells, config)
    assert gx_checks.beyond_bounds(results, config, None) == checks.beyond_bounds(results, config) != set()
    suite = gx_checks.build_suite(config)
    assert [e.meta["metric"] for e in suite.expectations] == ["parser_failure_rate"]
