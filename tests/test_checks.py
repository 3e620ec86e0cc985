"""Checks as pure functions: the exact binomial tail, Holm, windows and their budgets, sample-size
aware decisions, quantile and mean tests, one cause one alert, and the thresholds file's errors."""

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from math import comb

import pytest

from llm_vitals.checks import detect, thresholds
from llm_vitals.errors import ConfigError
from llm_vitals.stats import binomial_sf, holm

START = datetime(2026, 10, 5, tzinfo=UTC)
DAY = detect.WindowSpec("day", START, START + timedelta(days=1), START - timedelta(days=7), START)
# the other windows of a run and their families' sizes as a run at 2,000 calls a day has them: a
# day window's tests are judged at their share of the week's budget beside these
OTHERS = {"hour": 12, "6h": 100, "3d": 300}
WEEK = [detect.WindowSpec(name, START, START, START, START) for name in OTHERS] + [DAY]


def _day_level(config, day_tests: int) -> float:
    """The family-wise level of a day window of day_tests tests, beside OTHERS."""
    return detect.family_levels(WEEK, {**OTHERS, "day": day_tests}, config)["day"]


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


def test_windows_end_on_their_step_and_their_baseline_is_the_days_before():
    as_of = datetime(2026, 10, 14, 13, 25, tzinfo=UTC)
    planned = {w.name: w for w in detect.plan_windows(as_of, ["hour", "6h", "day", "3d"], 7)}
    assert (planned["hour"].start, planned["hour"].end) == (as_of.replace(hour=12, minute=0), as_of.replace(minute=0))
    assert (planned["6h"].start, planned["6h"].end) == (as_of.replace(hour=6, minute=0), as_of.replace(hour=12, minute=0))
    midnight = as_of.replace(hour=0, minute=0)
    assert (planned["day"].start, planned["day"].end) == (as_of.replace(hour=12, minute=0) - timedelta(days=1),
                                                          as_of.replace(hour=12, minute=0))  # moves on every 6 h
    assert (planned["3d"].start, planned["3d"].baseline_end) == (midnight - timedelta(days=3), midnight - timedelta(days=3))
    assert planned["hour"].baseline_start == midnight - timedelta(days=7)
    assert planned["day"].baseline_end == midnight - timedelta(days=1)


def test_the_weekly_budget_is_spent_alike_on_every_test_of_the_week():
    config = _thresholds()
    windows = detect.plan_windows(START, ["hour", "6h", "day", "3d"], 7)
    sizes = {"hour": 12, "6h": 100, "day": 245, "3d": 300}
    levels = detect.family_levels(windows, sizes, config)
    # an hour window moves on 168 times a week, the 6-hour and day windows 28, the 3-day window 7
    moves = {"hour": 168, "6h": 28, "day": 28, "3d": 7}
    week = sum(moves[w] * sizes[w] for w in moves)  # 13,776 tests a week
    assert levels == pytest.approx({w: sizes[w] / week for w in moves})
    # summed over a week, the expected false alarms are the budget, 1
    assert sum(levels[w] * moves[w] for w in moves) == pytest.approx(1.0)
    # the day window, with the most tests a week, gets 6,860/13,776 of it instead of a quarter
    assert levels["day"] * 28 == pytest.approx(6860 / 13776)
    # one test has the same level in every window
    results = [detect.CheckResult("threshold", "parser_failure_rate", w, START, "route", f"r{i}", "critical", 0.1, 0.05,
                                  0.01, 1, 10, 0.5, "pass") for w, n in sizes.items() for i in range(n)]
    assert detect.per_test_levels(results, windows, config) == pytest.approx({w: 1 / week for w in moves})
    # a window taken from an earlier run keeps its family's size there, and so its share
    assert detect.per_test_levels(results[:12], windows, config, {"6h": 100, "day": 245, "3d": 300}) == \
        pytest.approx({w: 1 / week for w in moves})
    assert detect.family_levels(windows, {}, config) == {w: 0.0 for w in moves}


def _thresholds(windows=("hour", "6h", "day", "3d"), **check) -> thresholds.Thresholds:
    rule = {"severity": "critical", "max": 0.5, "max_ratio": 2.0, "min_increase": 0.02, "min_sample_size": 30, **check}
    return thresholds.Thresholds.model_validate({"settings": {"windows": list(windows)},
                                                 "checks": {"parser_failure_rate": rule}})


def _cell(route="chat", model="m1", version="v1", tenant="t1", failures=0, structured=0):
    base = {name: 0 for pair in thresholds.RATE_COUNTS.values() for name in pair}
    base.update(route=route, model=model, prompt_version=version, tenant=tenant, calls=structured,
                parse_failures=failures, structured_calls=structured)
    return base


def _counts(cells) -> detect.Counts:
    """Segment sums of cells, as sql/check_counts.sql makes them (an independent twin)."""
    out: detect.Counts = defaultdict(lambda: defaultdict(int))
    for cell in cells:
        for dimension in ("all", "route", "model", "prompt_version", "tenant"):
            segment = "all" if dimension == "all" else cell[dimension]
            for name, value in cell.items():
                if isinstance(value, int):
                    out[(dimension, segment)][name] += value
    return out


def _judge(cells, config, baseline_rate=0.01):
    """The day window of the cells, every segment with a 7-day baseline of 7,000 trials at baseline_rate."""
    counts = _counts(cells)
    baseline = {key: {"parse_failures": int(7000 * baseline_rate), "structured_calls": 7000} for key in counts}
    results = detect.rate_results(DAY, counts, baseline, config)
    detect.judge(results, detect.beyond_bounds(results, config), WEEK, config, OTHERS)
    return results


def _incidents(cells, config, results):
    return detect.incidents(results, WEEK, config, detect.rate_without(cells), lambda r: (0, 0), tested=OTHERS)


@pytest.mark.parametrize(
    ("failures", "calls", "fails"),
    [(3, 40, False), (90, 1000, True), (29, 1000, False), (2, 20, False)],
    ids=["3-of-40-is-noise", "90-of-1000-is-not", "near-threshold", "below-min-sample"],
)
def test_decisions_know_the_sample_size(failures, calls, fails):
    config = _thresholds()  # one test of the day window: 1 / (168 x 12 + 28 x 100 + 28 x 1 + 7 x 300)
    # 3 of 40 against a 1.5 % null (1 % + 2 points / 4): P(X >= 3) = 0.023, above 0.00014
    results = _judge([_cell(failures=failures, structured=calls)], config)
    overall = next(r for r in results if r.dimension == "all")
    assert overall.threshold == pytest.approx(0.03)  # max(2 x 1 %, 1 % + 2 points)
    assert (overall.status == "fail") is fails
    if calls < 30:
        assert overall.status == "not enough data"


def test_a_rate_check_fails_at_the_exact_binomial_tail_of_its_threshold():
    config = _thresholds(windows=["day"])
    # one cell's route, model, version and tenant are all calls again: one test, at the day's level
    level = _day_level(config, 1)
    assert level == pytest.approx(1 / (168 * 12 + 28 * 100 + 28 + 7 * 300))
    null = max(0.01 * 1.1, 0.01 + 0.02 / 4)  # the baseline with room for noise: 1.5 %
    k = next(k for k in range(100) if binomial_sf(k, 100, null) <= level)
    assert (k - 1) / 100 > 0.03  # k - 1 is beyond the 3 % threshold too: only significance tells them apart
    below = _judge([_cell(failures=k - 1, structured=100)], config)
    at = _judge([_cell(failures=k, structured=100)], config)
    assert [r.status for r in below if r.dimension == "all"] == ["pass"]
    assert [r.status for r in at if r.dimension == "all"] == ["fail"]


def test_one_broken_route_opens_one_incident_listing_what_it_drags():
    config = _thresholds(windows=["day"])
    cells = []
    for tenant in ("t1", "t2", "t3", "t4"):
        for model in ("m1", "m2"):
            cells.append(_cell("extract", model, "v8", tenant, failures=90, structured=1000))  # 9 %
            cells.append(_cell("chat", model, "v1", tenant, failures=10, structured=1000))    # 1 %
    results = _judge(cells, config)
    found = _incidents(cells, config, results)
    assert [(i.cause.dimension, i.cause.segment) for i in found] == [("route", "extract")]
    dragged = {(r.dimension, r.segment) for r in found[0].also_seen_in}
    assert {("tenant", "t1"), ("model", "m1"), ("all", "all")} <= dragged  # v8 is the route's calls: tested once
    assert all(r.explained_by == "route extract" for r in found[0].also_seen_in)


def test_a_segment_near_its_threshold_is_listed_only_when_its_rise_is_the_causes_calls():
    config = _thresholds(windows=["day"])
    cells = []
    for tenant in ("t1", "t2", "t3", "t4"):
        cells.append(_cell("extract", "m1", "v8", tenant, failures=90, structured=1000))  # 9 %
        cells.append(_cell("chat", "m1", "v1", tenant, failures=10, structured=1000))     # 1 %
    # two small tenants, each beyond its 3 % threshold but far from significant (3 of 40, 2 of 40)
    cells.append(_cell("extract", "m1", "v8", "t8", failures=3, structured=40))  # all on the broken route
    cells.append(_cell("chat", "m1", "v1", "t9", failures=2, structured=40))     # no call in common with it
    results = _judge(cells, config)
    near = {r.segment: r for r in results if r.dimension == "tenant" and r.segment in ("t8", "t9")}
    assert all(r.beyond and r.status == "pass" for r in near.values())
    found = _incidents(cells, config, results)
    assert [(i.cause.dimension, i.cause.segment) for i in found] == [("route", "extract")]
    listed = {(r.dimension, r.segment) for r in found[0].also_seen_in}
    assert ("tenant", "t8") in listed and ("tenant", "t9") not in listed
    assert near["t9"].explained_by is None


def test_a_rise_the_incident_does_not_explain_opens_its_own():
    config = _thresholds(windows=["day"])
    cells = [
        _cell("extract", "m1", "v8", "t1", failures=20, structured=200),
        _cell("chat", "m1", "v1", "t1", failures=2, structured=200),
        _cell("chat", "m1", "v1", "t2", failures=40, structured=200),  # tenant t2 broke on its own
        _cell("chat", "m1", "v1", "t3", failures=2, structured=200),
    ]
    results = _judge(cells, config)
    causes = {(i.cause.dimension, i.cause.segment) for i in _incidents(cells, config, results)}
    assert ("route", "extract") in causes and ("tenant", "t2") in causes


def test_a_later_run_joins_a_rise_an_open_alert_already_covers():
    config = _thresholds(windows=["day"])
    cells = []
    for tenant in ("t1", "t2", "t3"):
        cells.append(_cell("extract", "m1", "v8", tenant, failures=90, structured=1000))  # m1 broke: 9 %
        cells.append(_cell("chat", "m2", "v1", tenant, failures=10, structured=1000))     # 1 %
    cells.append(_cell("extract", "m2", "v8", "t4", failures=10, structured=1000))  # extract without m1: 1 %
    results = _judge(cells, config)
    extract = next(r for r in results if (r.dimension, r.segment) == ("route", "extract"))
    assert extract.status == "fail"
    found = [detect.Incident(extract)]  # say a run sees it on route extract first (its 6 h window, say)
    levels = detect.per_test_levels(results, WEEK, config, OTHERS)
    key = ("threshold", "parser_failure_rate")
    # an earlier run opened the rise on model m1, without whose calls route extract is at 1 %
    detect.join_open(found, {(*key, "model", "m1")}, detect.rate_without(cells), lambda r: (0, 0), config, levels)
    assert [i.joins for i in found] == [(*key, "model", "m1")]
    # all calls open: a segment's rise of the same metric is that alert's
    detect.join_open(found, {(*key, "all", "all")}, detect.rate_without(cells), lambda r: (0, 0), config, levels)
    assert [i.joins for i in found] == [(*key, "all", "all")]
    # an alert on m1 that resolved after this window began: the incident is its echo; one that
    # resolved before it began covers nothing
    for resolved_at, joins in [(DAY.start + timedelta(hours=3), (*key, "model", "m1")), (DAY.start, None)]:
        detect.join_open(found, set(), detect.rate_without(cells), lambda r: (0, 0), config, levels,
                         {(*key, "model", "m1"): resolved_at})
        assert [i.joins for i in found] == [joins]
    # an open alert on a model whose calls do not explain it, or on another metric, covers nothing
    for other in [(*key, "model", "m2"), ("threshold", "timeout_rate", "route", "extract")]:
        detect.join_open(found, {other}, detect.rate_without(cells), lambda r: (0, 0), config, levels)
        assert [i.joins for i in found] == [None]


def test_a_route_joins_the_open_alert_of_a_tenant_whose_rise_was_the_routes():
    config = _thresholds(windows=["day"])
    cells = []
    for tenant in ("t1", "t2", "t3", "t4"):
        cells.append(_cell("extract", "m1", "v8", tenant, failures=45, structured=500))  # extract broke: 9 %
        cells.append(_cell("chat", "m1", "v1", tenant, failures=5, structured=500))      # 1 %
    cells.append(_cell("chat", "m1", "v1", "t5", failures=60, structured=500))  # t5 broke on its own: 12 %
    cells += [_cell("extract", "m1", "v8", "t7", failures=3, structured=40),  # t7: 3 of 80, the route's
              _cell("chat", "m1", "v1", "t7", failures=0, structured=40),
              _cell("chat", "m1", "v1", "t8", failures=3, structured=80)]   # t8: 3 of 80, its own
    results = _judge(cells, config)
    found = [i for i in _incidents(cells, config, results) if i.cause.segment == "extract"]
    by_segment = {(r.dimension, r.segment): r for r in results}
    assert by_segment[("tenant", "t1")].status == "fail" and by_segment[("tenant", "t5")].status == "fail"
    assert all(by_segment[("tenant", t)].status == "pass" and by_segment[("tenant", t)].beyond for t in ("t7", "t8"))
    levels = detect.per_test_levels(results, WEEK, config, OTHERS)
    # route extract without tenant t1's calls is still significant: the old rule alone joins nothing
    assert not detect._explained(by_segment[("route", "extract")], by_segment[("tenant", "t1")],
                                 detect.rate_without(cells), config, levels["day"])
    key = ("threshold", "parser_failure_rate")
    # an earlier run opened the rise on tenant t1 (before the route was significant); t1 without
    # the route's calls is at 1 %: the route's incident is that alert's
    detect.join_open(found, {(*key, "tenant", "t1")}, detect.rate_without(cells), lambda r: (0, 0), config, levels,
                     results=results)
    assert [i.joins for i in found] == [(*key, "tenant", "t1")]
    # t7 is beyond its threshold (not significantly) and not beyond without the route's calls: an
    # alert it opened in an earlier window is the route's too
    detect.join_open(found, {(*key, "tenant", "t7")}, detect.rate_without(cells), lambda r: (0, 0), config, levels,
                     results=results)
    assert [i.joins for i in found] == [(*key, "tenant", "t7")]
    # t5 is significant without the route's calls and t8 still beyond: their own causes, they cover
    # nothing; nor does t6, with no result in this window
    for other in [(*key, "tenant", "t5"), (*key, "tenant", "t8"), (*key, "tenant", "t6")]:
        detect.join_open(found, {other}, detect.rate_without(cells), lambda r: (0, 0), config, levels,
                         results=results)
        assert [i.joins for i in found] == [None]


def test_a_latency_p95_rise_joins_the_open_p99_alert_of_its_model():
    config = _thresholds(windows=["day"])
    p95 = detect.CheckResult("threshold", "latency_p95_ms", "6h", START, "model", "m1", "warning", observed=5000,
                             threshold=3000, baseline=1500, numerator=80, sample_size=400, p_value=1e-12,
                             status="fail", beyond=True, kind="quantile")
    incident = detect.Incident(p95)
    for open_key, joins in [(("threshold", "latency_p99_ms", "model", "m1"), True),
                            (("threshold", "latency_p99_ms", "model", "m2"), False),
                            (("threshold", "ttft_p95_ms", "model", "m1"), True),
                            (("threshold", "tokens_per_request", "model", "m1"), False)]:
        detect.join_open([incident], {open_key}, detect.rate_without([]), lambda r: (0, 0), config, {"6h": 1e-4})
        assert incident.joins == (open_key if joins else None), open_key


def test_an_error_rise_joins_the_open_timeout_alert_unless_other_errors_rose_too():
    config = thresholds.Thresholds.model_validate({"checks": {"error_rate": {
        "severity": "critical", "max": 0.5, "max_ratio": 2.0, "min_increase": 0.01, "min_sample_size": 30}}})
    cause = detect.CheckResult("threshold", "error_rate", "day", START, "model", "m1", "critical", observed=0.08,
                               threshold=0.04, baseline=0.02, numerator=80, sample_size=1000, p_value=1e-12,
                               status="fail", beyond=True)
    timeouts_open = {("threshold", "timeout_rate", "model", "m1")}
    levels = {"day": 1e-4}
    incident = detect.Incident(cause)
    detect.join_open([incident], timeouts_open, detect.rate_without([]), lambda r: (5, 1000), config, levels)
    assert incident.joins == ("threshold", "timeout_rate", "model", "m1")  # 5 other errors of 1,000: the timeouts'
    detect.join_open([incident], timeouts_open, detect.rate_without([]), lambda r: (75, 1000), config, levels)
    assert incident.joins is None  # 75 other errors of 1,000: a cause of their own, its own alert


def test_a_rise_everywhere_is_one_incident_on_all_calls():
    config = _thresholds(windows=["day"])
    cells = [_cell(route, model, "v1", tenant, failures=60 if tenant == "t1" else 48, structured=1000 if tenant == "t1" else 800)
             for route in ("a", "b", "c", "d") for model in ("m1", "m2") for tenant in ("t1", "t2")]  # 6 % in every cell
    results = _judge(cells, config)
    found = _incidents(cells, config, results)
    assert [(i.cause.dimension, i.cause.segment) for i in found] == [("all", "all")]
    assert len(found[0].also_seen_in) >= 8  # the routes, models and tenants it lifts, listed once


def _quantile_config(**rule):
    return thresholds.Thresholds.model_validate({"settings": {"windows": ["day"]}, "checks": {
        "latency_p95_ms": {"max_ratio": 1.5, "min_increase_ms": 100, "min_sample_size": 100, **rule}}})


def test_a_latency_quantile_is_tested_by_its_count_above_the_bound():
    config = _quantile_config()
    baselines = {("all", "all", "latency_p95_ms"): (1000.0, None, 5000)}
    bounds, about = detect.exceedance_bounds(DAY, baselines, config, [("all", "all")])
    assert [b.bound for b in bounds] == [1500.0]  # max(1.5 x 1000, 1000 + 100)
    level = detect.family_levels([DAY], {"day": 1}, config)["day"]
    k = next(k for k in range(1000) if binomial_sf(k, 1000, 0.05) <= level)
    for slower, status in ((k - 1, "pass"), (k, "fail")):
        results = detect.exceedance_results(DAY, about, {0: (1000, slower, 1600.0)})
        detect.judge(results, detect.beyond_bounds(results, config), [DAY], config)
        assert results[0].status == status and results[0].kind == "quantile"


def test_a_mean_check_is_not_moved_by_a_few_huge_calls():
    config = thresholds.Thresholds.model_validate({"settings": {"windows": ["day"]}, "checks": {
        "tokens_per_request": {"max_ratio": 1.5, "min_sample_size": 100}}})
    baselines = {("all", "all", "tokens_per_request"): (800.0, 1500.0, 5000)}
    bounds, about = detect.exceedance_bounds(DAY, baselines, config, [("all", "all")])
    assert bounds[0].bound == 1500.0  # the baseline's p90 of single calls
    # the mean doubled on 5 huge calls of 500 (their count above p90 is what 10 % would give)
    spiky = detect.exceedance_results(DAY, about, {0: (500, 55, 1700.0)})
    # every call twice as long: 420 of 500 above the old p90
    shifted = detect.exceedance_results(DAY, about, {0: (500, 420, 1650.0)})
    for results in (spiky, shifted):
        detect.judge(results, detect.beyond_bounds(results, config), [DAY], config)
    assert spiky[0].beyond and spiky[0].status == "pass"
    assert shifted[0].status == "fail"


def test_thresholds_file_errors_name_the_field(tmp_path):
    bad = tmp_path / "t.yaml"
    cases = [
        ("checks:\n  parser_failure_rate:\n    max: 2\n", "checks.parser_failure_rate.max"),
        ("checks:\n  latency_vibes: {max: 0.1}\n", "unknown metric"),
        ("checks:\n  latency_p95_ms: {max_ms: -3}\n", "checks.latency_p95_ms.max_ms"),
        ("checks:\n  latency_p95_ms: {max: 0.5}\n", "checks.latency_p95_ms.max"),
        ("checks: {}\nbudgets:\n  - {period: fortnight, usd: 10}\n", "budgets.0.period"),
        ("checks: {}\nbudgets:\n  - {tenant: a, period: day}\n", "budgets.0.usd"),
        ("checks: {}\nbudgets:\n  - {tenant: a, period: day, usd: 5}\n  - {tenant: a, period: day, usd: 9}\n",
         "budgets.1"),
        ("checks: {}\nsettings: {windows: [hour, week]}\n", "settings.windows.1"),
    ]
    for text, where in cases:
        bad.write_text(text)
        with pytest.raises(ConfigError, match=where.replace(".", r"\.")):
            thresholds.load(bad)


def test_great_expectations_suite_finds_the_same_rows_as_the_plain_twin():
    from llm_vitals.checks import gx

    config = thresholds.Thresholds.model_validate({"settings": {"windows": ["day"]}, "checks": {
        "parser_failure_rate": {"max": 0.5, "max_ratio": 2.0, "min_increase": 0.02, "min_sample_size": 30},
        "latency_p95_ms": {"max_ratio": 1.5, "min_sample_size": 100}}})
    cells = [_cell("extract", "m1", "v8", "t1", failures=9, structured=100), _cell("chat", "m2", "v1", "t2", 1, 100)]
    results = _judge(cells, config)
    _, about = detect.exceedance_bounds(DAY, {("all", "all", "latency_p95_ms"): (1000.0, None, 5000)}, config,
                                        [("all", "all")])
    results += detect.exceedance_results(DAY, about, {0: (500, 80, 1700.0)})
    assert gx.beyond_bounds(results, config, None) == detect.beyond_bounds(results, config) != set()
    suite = gx.build_suite(config)
    assert [e.meta["metric"] for e in suite.expectations] == ["latency_p95_ms", "parser_failure_rate"]


def test_a_segment_with_the_very_same_calls_as_another_is_tested_once():
    config = _thresholds(windows=["day"])
    cells = [_cell("extract", "m1", "extract-v3", "t1", failures=9, structured=300),
             _cell("chat", "m1", "chat-v3", "t1", failures=3, structured=300)]
    results = _judge(cells, config)
    tested = {(r.dimension, r.segment) for r in results}
    # each version is its route's calls; tenant t1 and model m1 are all calls
    assert tested == {("all", "all"), ("route", "extract"), ("route", "chat")}


def test_a_young_deployment_has_no_baseline_until_three_days_of_history():
    window = DAY  # baseline: the 7 days before 2026-10-05
    one_day = detect.with_history(window, START - timedelta(days=1), 3)
    assert one_day.baseline_start == one_day.baseline_end == window.baseline_end  # an empty range
    three_days = detect.with_history(window, START - timedelta(days=3), 3)
    assert three_days == window
    assert detect.with_history(window, None, 3) == window
