"""Alerts on demo data with three known incidents: one alert each, resolved once, never lost or doubled."""

import json
import logging
import shutil
from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from llm_vitals import pipeline
from llm_vitals.slack.delivery import SlackDeliveryError
from tests.demo_db import END, TOKEN
from tests.demo_db import build_demo_db as _build
from tests.demo_db import demo_settings as _settings
from tests.slack_server import SlackServer


@pytest.fixture(scope="module")
def incident_db(tmp_path_factory):
    return _build(tmp_path_factory.mktemp("incidents") / "base.duckdb", incidents=True)


@pytest.fixture(scope="module")
def clean_db(tmp_path_factory):
    return _build(tmp_path_factory.mktemp("clean") / "base.duckdb", incidents=False)


@pytest.fixture
def slack():
    server = SlackServer().start()
    yield server
    server.stop()


def _sweep(settings, start, end, step=timedelta(hours=1)):
    as_of = start
    while as_of <= end:
        pipeline.run_checks(settings, as_of, great_expectations=False)
        pipeline.deliver_alerts(settings)
        as_of += step


def _alerts(db):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("select metric, dimension, segment, status, also_seen_in, opened_at, resolved_at"
                           " from alerts order by opened_at").fetchall()
    finally:
        con.close()


@pytest.mark.slow  # an hourly sweep through a week: 169 check runs
def test_three_incidents_open_three_alerts_that_resolve(tmp_path, incident_db, slack):
    db = shutil.copy(incident_db, tmp_path / "run.duckdb")
    settings = _settings(db, slack)
    _sweep(settings, END - timedelta(days=7), END)
    alerts = _alerts(db)
    causes = {(metric, dimension, segment) for metric, dimension, segment, *_ in alerts}
    assert len(alerts) == 3, alerts
    assert ("timeout_rate", "model", "gemini-2.5-flash") in causes
    assert ("retrieval_empty_rate", "tenant", "t04") in causes
    assert {c for c in causes if c[0] == "parser_failure_rate"} <= {
        ("parser_failure_rate", "route", "extract"), ("parser_failure_rate", "prompt_version", "v8")}
    dragged = {metric: also_seen_in for metric, _, _, _, also_seen_in, _, _ in alerts}
    for _metric, _dimension, _segment, status, _also_seen_in, opened_at, resolved_at in alerts:
        assert status == "resolved" and resolved_at > opened_at
    # the route's broken parsing lifts tenants and models; the model's timeouts lift routes and error_rate.
    # Tenant t04 is ~8 % of each route's retrieval calls: nothing else crosses a threshold, nothing is listed.
    assert any(d.startswith("tenant ") for d in dragged["parser_failure_rate"])
    assert any(d.startswith("model ") for d in dragged["parser_failure_rate"])
    assert any(d.startswith("route ") for d in dragged["timeout_rate"]) and "error_rate" in dragged["timeout_rate"]
    texts = [m["text"] for m in slack.messages()]
    assert len(texts) == 6 and sum("RESOLVED" in t for t in texts) == 3
    opened = [t for t in texts if "RESOLVED" not in t]
    for text in opened:
        assert "threshold" in text and "baseline" in text and "window" in text and "Hint:" in text
    assert any("`timeout_rate` on model *gemini-2.5-flash*" in t and "Also seen in" in t for t in opened)
    assert any("`retrieval_empty_rate` on tenant *t04*" in t for t in opened)
    pipeline.run_checks(settings, END, great_expectations=False)  # the same --as-of again
    pipeline.deliver_alerts(settings)
    assert len(slack.messages()) == 6


@pytest.mark.slow  # an hourly sweep through a week: 169 check runs
def test_two_clean_weeks_raise_at_most_one_alert(tmp_path, clean_db):
    db = shutil.copy(clean_db, tmp_path / "run.duckdb")
    _sweep(_settings(db), END - timedelta(days=7), END)
    assert len(_alerts(db)) <= 1


def _outage_setup(tmp_path, incident_db, slack, fault, **extra):
    db = shutil.copy(incident_db, tmp_path / "run.duckdb")
    settings = _settings(db, slack, **extra)
    as_of = datetime(2026, 10, 17, tzinfo=UTC)  # day 12 complete: the tenant t04 outage is visible
    pipeline.run_checks(settings, as_of, great_expectations=False)
    slack.set_fault(fault)
    return db, settings


@pytest.mark.parametrize("fault", ["500", "hang"])
def test_a_slack_outage_loses_and_doubles_nothing(tmp_path, incident_db, slack, fault):
    db, settings = _outage_setup(tmp_path, incident_db, slack, fault)
    slack.hang_seconds = 2
    report = pipeline.deliver_alerts(settings)
    assert report.sent == 0 and report.waiting >= 1
    assert slack.messages() == []
    slack.set_fault(None)
    second = pipeline.deliver_alerts(settings)
    assert second.sent == report.waiting and second.waiting == 0
    third = pipeline.deliver_alerts(settings)
    assert third.sent == 0
    con = duckdb.connect(str(db), read_only=True)
    queued = con.execute("select count(*), count(sent_at) from outbox").fetchone()
    con.close()
    assert queued == (len(slack.messages()), len(slack.messages()))


def test_rate_limits_wait_for_retry_after(tmp_path, incident_db, slack):
    _, settings = _outage_setup(tmp_path, incident_db, slack, "429")
    slack.set_fault("429", times=1)
    report = pipeline.deliver_alerts(settings)
    assert report.waiting == 0 and report.sent == len(slack.messages()) >= 1
    posts = [r for r in slack.received if r["path"] == "/api/chat.postMessage"]
    assert len(posts) == report.sent + 1  # one 429, then each message once


@pytest.mark.parametrize(("error", "setting"), [("invalid_auth", "SLACK_BOT_TOKEN"), ("token_revoked", "SLACK_BOT_TOKEN")])
def test_a_refused_token_stops_delivery_once_naming_the_setting(tmp_path, incident_db, slack, error, setting):
    db, settings = _outage_setup(tmp_path, incident_db, slack, error)
    with pytest.raises(SlackDeliveryError, match=setting):
        pipeline.deliver_alerts(settings)
    assert len([r for r in slack.received if r["path"] == "/api/chat.postMessage"]) == 1  # no retry loop
    con = duckdb.connect(str(db), read_only=True)
    states = con.execute("select distinct state from outbox_messages").fetchall()
    con.close()
    assert states == [("waiting",)]  # no message is to blame: they all wait for the token


def test_webhook_delivery(tmp_path, incident_db, slack):
    db = shutil.copy(incident_db, tmp_path / "run.duckdb")
    settings = _settings(db, slack_webhook_url=slack.webhook_url, slack_base_url=slack.base_url)
    pipeline.run_checks(settings, datetime(2026, 10, 17, tzinfo=UTC), great_expectations=False)
    report = pipeline.deliver_alerts(settings)
    assert report.sent >= 1 and all(r["path"] == "webhook" for r in slack.received)


def test_names_from_logs_are_escaped_and_ping_nobody(tmp_path, slack):
    from llm_vitals.checks import detect
    from llm_vitals.slack import messages as slack_messages

    nasty = detect.CheckResult(
        check="threshold", metric="parser_failure_rate", grain="day", window_start=END, dimension="route",
        segment="<!channel> & <@U123>", severity="critical", observed=0.09, threshold=0.03, baseline=0.01,
        numerator=27, sample_size=300, p_value=1e-9)
    message = slack_messages.alert_opened(nasty, [nasty])
    encoded = json.dumps(message)
    assert "<!channel>" not in encoded and "<@U123>" not in encoded
    assert "&lt;!channel&gt; &amp; &lt;@U123&gt;" in message["text"]


def test_the_token_never_reaches_logs_tables_or_errors(tmp_path, incident_db, slack, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    db, settings = _outage_setup(tmp_path, incident_db, slack, None)
    pipeline.deliver_alerts(settings)
    slack.set_fault("invalid_auth")
    pipeline.run_checks(settings, datetime(2026, 10, 18, tzinfo=UTC), great_expectations=False)
    with pytest.raises(SlackDeliveryError) as failure:
        pipeline.deliver_alerts(settings)
    assert any(r["headers"].get("Authorization") == f"Bearer {TOKEN}" for r in slack.received)  # it was used
    seen = [caplog.text, capsys.readouterr().out, str(failure.value), repr(settings)]
    con = duckdb.connect(str(db), read_only=True)
    for table in ("requests", "check_results", "alerts", "outbox", "ingest_batches"):
        seen.append(str(con.execute(f"select * from {table}").fetchall()))
    con.close()
    assert not any(TOKEN in text for text in seen)


def test_reminders_routing_and_overrides(tmp_path, incident_db, slack):
    db = shutil.copy(incident_db, tmp_path / "run.duckdb")
    overrides = tmp_path / "thresholds.yaml"
    from importlib.resources import files

    text = (files("llm_vitals.expectations") / "thresholds.yaml").read_text()
    # route summarize may not exceed 1 % timeouts
    overrides.write_text(text.replace("overrides: []", "overrides:\n  - {dimension: route, segment: summarize, timeout_rate: {max: 0.01, max_ratio: null}}"))
    settings = _settings(db, slack, thresholds=overrides, alert_reminder_hours=2,
                         slack_channels_by_severity={"critical": "#oncall"}, slack_channels_by_tenant={"t04": "#tenant-t04"})
    day_after_timeouts = datetime(2026, 10, 16, tzinfo=UTC)
    for hours in (0, 1, 2):
        pipeline.run_checks(settings, day_after_timeouts + timedelta(hours=hours), great_expectations=False)
    pipeline.run_checks(settings, datetime(2026, 10, 17, tzinfo=UTC), great_expectations=False)
    pipeline.deliver_alerts(settings)
    posts = [(m["channel"], m["text"]) for m in slack.messages()]
    opened = [text for channel, text in posts if "timeout_rate on model *gemini-2.5-flash*" in text and "RESOLVED" not in text]
    assert len(opened) == 2  # opened at 00:00, reminded at 02:00 (not at 01:00)
    con = duckdb.connect(str(db), read_only=True)
    summarize = con.execute(
        "select distinct threshold, status, explained_by from check_results where metric = 'timeout_rate'"
        " and dimension = 'route' and segment = 'summarize' and grain = 'day' and status = 'fail'").fetchall()
    con.close()
    # the override holds route summarize to 1 %: it fails, and its rise is the gemini calls it carries
    assert summarize == [(0.01, "fail", "model gemini-2.5-flash")]
    assert all(channel == "#oncall" for channel, text in posts if "tenant *t04*" not in text)
    assert any(channel == "#tenant-t04" for channel, text in posts if "tenant *t04*" in text)


def test_freshness_fails_when_calls_stop(tmp_path, incident_db):
    db = shutil.copy(incident_db, tmp_path / "run.duckdb")
    summary = pipeline.run_checks(_settings(db), END + timedelta(hours=3), great_expectations=False)
    fresh = next(r for r in summary.results if r.check == "freshness")
    assert fresh.status == "fail" and fresh.observed > 120
    assert any(i.cause.check == "freshness" for i in summary.incidents)
