"""The alert lifecycle on hand-made results, one run at a time: when an open alert resolves."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from llm_vitals import db
from llm_vitals.checks import alerts
from llm_vitals.checks.detect import CheckResult, Incident

OPENED = datetime(2026, 9, 22, 15, tzinfo=UTC)


def _result(grain: str, hours: int, end: datetime, rate: float, status: str) -> CheckResult:
    n = 120 * hours
    return CheckResult(
        check="threshold", metric="timeout_rate", grain=grain, window_start=end - timedelta(hours=hours), window_end=end,
        dimension="model", segment="gpt-4o-mini", severity="critical", observed=rate, threshold=0.02, baseline=0.01,
        numerator=round(rate * n), sample_size=n, p_value=1e-9 if status == "fail" else 0.5, status=status,
        beyond=rate > 0.02,
    )


def _run(con, as_of: datetime, *results: CheckResult) -> alerts.AlertChanges:
    found = [Incident(r) for r in results if r.status == "fail"][:1]
    return alerts.apply(con, found, list(results), as_of, alerts.Routing(None), queue_messages=True)


def test_one_quiet_hour_inside_a_running_incident_does_not_resolve_it(tmp_path):
    con = db.connect(tmp_path / "v.duckdb")
    opened = _run(con, OPENED, _result("hour", 1, OPENED, 0.06, "fail"))
    assert len(opened.opened) == 1
    # an hour of the incident happens to fall under the threshold while the 6 hours still fail
    quiet_hour = OPENED + timedelta(hours=4)
    changes = _run(con, quiet_hour, _result("hour", 1, quiet_hour, 0.015, "pass"),
                   _result("6h", 6, OPENED + timedelta(hours=3), 0.05, "fail"))
    assert (changes.resolved, changes.opened, changes.still_open) == ([], [], 1)
    # the hour is still fine and the 6-hour window no longer fails: now it has recovered, once
    later = OPENED + timedelta(hours=10)
    changes = _run(con, later, _result("hour", 1, later, 0.01, "pass"),
                   _result("6h", 6, OPENED + timedelta(hours=9), 0.012, "pass"))
    assert [metric for _, metric, _ in changes.resolved] == ["timeout_rate"]
    assert con.execute("select status, resolved_at from alerts").fetchall() == [("resolved", later)]
    kinds = [k for (k,) in con.execute("select kind from outbox order by message_id").fetchall()]
    assert kinds == ["opened", "resolved"]


def test_quiet_six_hours_inside_a_running_day_long_incident_do_not_resolve_it(tmp_path):
    con = db.connect(tmp_path / "v.duckdb")
    _run(con, OPENED, _result("hour", 1, OPENED, 0.06, "fail"))
    # the hour and the 6 hours happen to be quiet while the day window still fails
    quiet = OPENED + timedelta(hours=8)
    changes = _run(con, quiet, _result("hour", 1, quiet, 0.01, "pass"), _result("6h", 6, quiet, 0.015, "pass"),
                   _result("day", 24, quiet, 0.04, "fail"))
    assert (changes.resolved, changes.opened, changes.still_open) == ([], [], 1)
    # the day window has recovered too: now it resolves, once
    later = OPENED + timedelta(hours=30)
    changes = _run(con, later, _result("hour", 1, later, 0.01, "pass"), _result("6h", 6, later, 0.01, "pass"),
                   _result("day", 24, later, 0.012, "pass"))
    assert len(changes.resolved) == 1
    assert [k for (k,) in con.execute("select kind from outbox order by message_id").fetchall()] == [
        "opened", "resolved"]


def test_without_a_6_hour_result_the_shortest_window_decides_as_before(tmp_path):
    con = db.connect(tmp_path / "v.duckdb")
    _run(con, OPENED, _result("hour", 1, OPENED, 0.06, "fail"))
    later = OPENED + timedelta(hours=1)
    changes = _run(con, later, _result("hour", 1, later, 0.01, "pass"))
    assert len(changes.resolved) == 1


def test_a_segment_only_the_3_day_window_can_judge_resolves_when_it_recovers(tmp_path):
    con = db.connect(tmp_path / "v.duckdb")
    small = [replace(_result(grain, hours, OPENED, 0.06, "not enough data"), sample_size=20) for grain, hours in
             [("hour", 1), ("6h", 6), ("day", 24)]]  # too few calls for any window up to a day
    assert len(_run(con, OPENED, *small, _result("3d", 72, OPENED, 0.06, "fail")).opened) == 1
    later = OPENED + timedelta(days=1)
    still = _run(con, later, *small, _result("3d", 72, later, 0.03, "pass"))  # not significant, still beyond
    assert (still.resolved, still.still_open) == ([], 1)
    latest = OPENED + timedelta(days=2)
    changes = _run(con, latest, *small, _result("3d", 72, latest, 0.012, "pass"))  # back within its threshold
    assert len(changes.resolved) == 1  # before, it stayed open for good: no window up to a day had enough data
    assert con.execute("select status from alerts").fetchall() == [("resolved",)]


def test_a_cause_an_open_alert_covers_extends_it_and_posts_nothing(tmp_path):
    con = db.connect(tmp_path / "v.duckdb")
    _run(con, OPENED, _result("hour", 1, OPENED, 0.06, "fail"))  # timeouts on model gpt-4o-mini
    later = OPENED + timedelta(hours=6)
    errors = CheckResult(
        check="threshold", metric="error_rate", grain="day", window_start=later - timedelta(days=1), window_end=later,
        dimension="tenant", segment="t14", severity="critical", observed=0.07, threshold=0.05, baseline=0.025,
        numerator=70, sample_size=1000, p_value=1e-9, status="fail", beyond=True,
    )
    incident = Incident(errors, joins=("threshold", "timeout_rate", "model", "gpt-4o-mini"))
    changes = alerts.apply(con, [incident], [errors, _result("hour", 1, later, 0.06, "fail")], later,
                           alerts.Routing(None), queue_messages=True)
    assert changes.opened == []
    assert con.execute("select metric, list_sort(also_seen_in) from alerts").fetchall() == [
        ("timeout_rate", ["error_rate", "tenant t14"])]
    assert [k for (k,) in con.execute("select kind from outbox").fetchall()] == ["opened"]


def test_the_echo_of_a_resolved_alert_that_covered_a_cause_opens_nothing(tmp_path):
    con = db.connect(tmp_path / "v.duckdb")
    _run(con, OPENED, _result("hour", 1, OPENED, 0.06, "fail"))
    resolved = OPENED + timedelta(hours=1)
    _run(con, resolved, _result("hour", 1, resolved, 0.01, "pass"))
    later = OPENED + timedelta(hours=6)  # error_rate's day window still holds the timeouts
    errors = replace(_result("day", 24, later, 0.07, "fail"), metric="error_rate", threshold=0.05)
    incident = Incident(errors, joins=("threshold", "timeout_rate", "model", "gpt-4o-mini"))
    changes = alerts.apply(con, [incident], [errors], later, alerts.Routing(None), queue_messages=True)
    assert changes.opened == []
    assert con.execute("select metric, status from alerts").fetchall() == [("timeout_rate", "resolved")]


def test_an_alert_does_not_resolve_while_a_cause_it_covers_still_fails(tmp_path):
    con = db.connect(tmp_path / "v.duckdb")
    on_all = replace(_result("hour", 1, OPENED, 0.06, "fail"), dimension="all", segment="all")
    _run(con, OPENED, on_all)
    later = OPENED + timedelta(hours=8)
    all_calls = [replace(_result(g, h, later, 0.015, "pass"), dimension="all", segment="all", beyond=False)
                 for g, h in (("hour", 1), ("6h", 6))]
    # all calls look fine again, but the one model behind it still fails in its own hour
    model_hour = _result("hour", 1, later, 0.06, "fail")
    held = alerts.apply(con, [Incident(model_hour, joins=on_all.key)], [*all_calls, model_hour], later,
                        alerts.Routing(None), queue_messages=True)
    assert (held.resolved, held.opened, held.still_open) == ([], [], 1)
    # the model's 6 hours still hold the incident, but its hour passes: the cause has recovered
    latest = later + timedelta(hours=1)
    all_calls = [replace(r, window_end=latest) for r in all_calls]
    model = [_result("hour", 1, latest, 0.01, "pass"), _result("6h", 6, latest, 0.05, "fail")]
    changes = alerts.apply(con, [Incident(model[1], joins=on_all.key)], [*all_calls, *model], latest,
                           alerts.Routing(None), queue_messages=True)
    assert [metric for _, metric, _ in changes.resolved] == ["timeout_rate"]
    assert [k for (k,) in con.execute("select kind from outbox order by message_id").fetchall()] == [
        "opened", "resolved"]
