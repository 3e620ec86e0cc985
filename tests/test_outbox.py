"""The outbox under Slack's refusals: a message Slack refuses for good is set aside and never blocks
the others; transient failures are retried within the run; a slow answer never posts twice."""

import json

import duckdb
import pytest

from llm_vitals import cli, db, pipeline
from llm_vitals.checks import alerts
from llm_vitals.settings import Settings
from llm_vitals.slack.delivery import SlackMessageRefused, SlackSender
from tests.slack_server import SlackServer

TOKEN = "xoxb-test-0000-outbox-token"


@pytest.fixture
def slack():
    server = SlackServer().start()
    yield server
    server.stop()


def _settings(db_path, slack, **extra) -> Settings:
    values = {"db": db_path, "memory_limit": None, "data_docs_dir": None, "read_copy": False, "slack_bot_token": TOKEN,
              "slack_channel": "#llm-alerts", "slack_base_url": slack.base_url, "slack_timeout_seconds": 1,
              "slack_retries": 2}
    return Settings(**(values | extra))


def _queue(db_path, *messages):
    """Queues (channel, setting, text) messages as the checks would."""
    con = db.connect(db_path)
    with db.transaction(con):
        for channel, setting, text in messages:
            alerts.enqueue(con, "opened", channel, setting, {"text": text, "blocks": []})
    con.close()


def _states(db_path):
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return con.execute("select message_id, state, last_error from outbox_messages order by message_id").fetchall()
    finally:
        con.close()


TENANT_SETTING = 'LLM_VITALS_SLACK_CHANNELS_BY_TENANT["acme"]'


def test_a_channel_slack_refuses_sets_its_message_aside_and_the_rest_flow(db_path, slack):
    slack.channel_faults = {"#acme-llm": "channel_not_found"}
    _queue(db_path, ("#llm-alerts", "LLM_VITALS_SLACK_CHANNEL", "first"), ("#acme-llm", TENANT_SETTING, "acme's"),
           ("#llm-alerts", "LLM_VITALS_SLACK_CHANNEL", "third"))
    report = pipeline.deliver_alerts(_settings(db_path, slack))
    assert (report.sent, report.waiting, len(report.dead)) == (2, 0, 1)
    assert [m["text"] for m in slack.messages()] == ["first", "third"]
    states = _states(db_path)
    assert [state for _, state, _ in states] == ["sent", "dead", "sent"]
    assert TENANT_SETTING in states[1][2] and "LLM_VITALS_SLACK_CHANNEL " not in states[1][2]
    again = pipeline.deliver_alerts(_settings(db_path, slack))
    assert (again.sent, again.waiting, again.dead) == (0, 0, [])  # a dead message is not tried on every run


@pytest.mark.parametrize("error", ["not_in_channel", "is_archived", "invalid_blocks", "msg_too_long"])
def test_each_permanent_refusal_is_dead_with_its_reason(db_path, slack, error):
    slack.set_fault(error, times=1)
    _queue(db_path, ("#llm-alerts", "LLM_VITALS_SLACK_CHANNEL", "refused"), ("#llm-alerts", "LLM_VITALS_SLACK_CHANNEL", "next"))
    report = pipeline.deliver_alerts(_settings(db_path, slack))
    assert report.sent == 1 and error in report.dead[0]
    assert [m["text"] for m in slack.messages()] == ["next"]
    posts = [r for r in slack.received if r["path"] == "/api/chat.postMessage"]
    assert len(posts) == 2  # a refusal for good is not retried


def test_check_reports_dead_messages_and_exits_by_its_checks(tmp_path, slack, capsys, monkeypatch, checked_demo_copy):
    monkeypatch.setenv("LLM_VITALS_READ_COPY", "false")
    slack.channel_faults = {"#tenant-t04": "channel_not_found"}
    env = {"SLACK_BOT_TOKEN": TOKEN, "LLM_VITALS_SLACK_CHANNEL": "#llm-alerts", "LLM_VITALS_SLACK_BASE_URL": slack.base_url,
           "LLM_VITALS_SLACK_CHANNELS_BY_TENANT": json.dumps({"t04": "#tenant-t04"}), "LLM_VITALS_DATA_DOCS_DIR": ""}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    con = duckdb.connect(str(checked_demo_copy))
    con.execute("delete from alerts; delete from check_runs")  # as if no check had run yet
    con.close()
    _queue(checked_demo_copy, ("#tenant-t04", 'LLM_VITALS_SLACK_CHANNELS_BY_TENANT["t04"]', "t04's digest"),
           ("#llm-alerts", "LLM_VITALS_SLACK_CHANNEL", "the next message"))
    code = cli.main(["check", "--db", str(checked_demo_copy), "--as-of", "2026-10-17T00:00:00Z"])
    out = capsys.readouterr().out
    assert code == 1  # the checks failed (an incident), not the command
    assert "set aside as dead" in out and 'LLM_VITALS_SLACK_CHANNELS_BY_TENANT["t04"]' in out
    assert "the next message" in [m["text"] for m in slack.messages()]
    assert all(m["channel"] == "#llm-alerts" for m in slack.messages())
    con = duckdb.connect(str(checked_demo_copy), read_only=True)
    states = con.execute("select channel, state, count(*) from outbox_messages group by all order by all").fetchall()
    con.close()
    assert [(channel, state) for channel, state, _ in states] == [("#llm-alerts", "sent"), ("#tenant-t04", "dead")]
    assert dict(((c, s), n) for c, s, n in states)[("#tenant-t04", "dead")] == 2  # t04's digest and its alert


def test_the_outbox_command_lists_retries_and_drops(db_path, slack, capsys, monkeypatch):
    for name, value in {"SLACK_BOT_TOKEN": TOKEN, "LLM_VITALS_SLACK_CHANNEL": "#llm-alerts",
                        "LLM_VITALS_SLACK_BASE_URL": slack.base_url, "LLM_VITALS_READ_COPY": "false"}.items():
        monkeypatch.setenv(name, value)
    slack.channel_faults = {"#acme-llm": "not_in_channel"}
    _queue(db_path, ("#acme-llm", TENANT_SETTING, "one"), ("#acme-llm", TENANT_SETTING, "two"))
    pipeline.deliver_alerts(_settings(db_path, slack))
    assert cli.main(["outbox", "--db", str(db_path)]) == 0
    listed = capsys.readouterr().out
    assert listed.count("dead") >= 2 and "/invite" in listed
    slack.channel_faults = {}  # the bot was invited
    assert cli.main(["outbox", "--db", str(db_path), "--retry", "1"]) == 0
    assert "1 dead message(s) put back" in capsys.readouterr().out
    assert [m["text"] for m in slack.messages()] == ["one"]
    assert cli.main(["outbox", "--db", str(db_path), "--drop", "dead"]) == 0
    assert [state for _, state, _ in _states(db_path)] == ["sent", "dropped"]
    assert cli.main(["outbox", "--db", str(db_path), "--retry", "x"]) == 2


def test_transient_failures_are_retried_within_the_run(db_path, slack):
    slack.set_fault("500", times=2)
    _queue(db_path, ("#llm-alerts", "LLM_VITALS_SLACK_CHANNEL", "after two 500s"))
    report = SlackSender(token=TOKEN, webhook_url=None, base_url=slack.base_url, timeout=1, retries=2, backoff_seconds=0.05)
    con = db.connect(db_path)
    from llm_vitals.slack import delivery

    result = delivery.deliver(con, report)
    con.close()
    assert (result.sent, result.waiting) == (1, 0)
    assert [m["text"] for m in slack.messages()] == ["after two 500s"]


def test_a_slow_answer_does_not_post_twice(db_path, slack):
    slack.hang_seconds = 1.5
    slack.set_fault("slow-accept", times=1)  # Slack posts it, then answers after the client gave up
    _queue(db_path, ("#llm-alerts", "LLM_VITALS_SLACK_CHANNEL", "once"))
    report = pipeline.deliver_alerts(_settings(db_path, slack))
    assert (report.sent, report.waiting) == (1, 0)
    assert [m["text"] for m in slack.messages()] == ["once"]
    con = duckdb.connect(str(db_path), read_only=True)
    ts = con.execute("select slack_ts from outbox").fetchone()[0]
    con.close()
    assert ts == slack.history["#llm-alerts"][0]["ts"]


def test_a_post_that_reached_slack_before_a_crash_is_not_sent_again(db_path, slack):
    slack.hang_seconds = 1.5
    slack.set_fault("slow-accept", times=1)
    _queue(db_path, ("#llm-alerts", "LLM_VITALS_SLACK_CHANNEL", "once"))
    first = pipeline.deliver_alerts(_settings(db_path, slack, slack_retries=0))  # gives up: as if the run died
    assert first.waiting == 1
    second = pipeline.deliver_alerts(_settings(db_path, slack))
    assert (second.sent, second.waiting) == (1, 0)
    assert [m["text"] for m in slack.messages()] == ["once"]
    assert len([r for r in slack.received if r["path"] == "/api/chat.postMessage"]) == 1


def test_a_message_with_no_channel_is_set_aside_naming_the_setting(slack):
    sender = SlackSender(token=TOKEN, webhook_url=None, base_url=slack.base_url, timeout=1, retries=0)
    with pytest.raises(SlackMessageRefused, match='LLM_VITALS_SLACK_CHANNELS_BY_SEVERITY'):
        sender.post(None, {"text": "x"}, key="k", setting='LLM_VITALS_SLACK_CHANNELS_BY_SEVERITY["critical"]')


def test_routing_names_the_setting_behind_each_channel():
    routing = alerts.Routing("#alerts", {"critical": "#oncall"}, {"acme": "#acme"})
    assert routing.channel_for("warning", "tenant", "acme") == ("#acme", 'LLM_VITALS_SLACK_CHANNELS_BY_TENANT["acme"]')
    assert routing.channel_for("critical", "route", "chat") == ("#oncall", 'LLM_VITALS_SLACK_CHANNELS_BY_SEVERITY["critical"]')
    assert routing.channel_for("warning", "route", "chat") == ("#alerts", "LLM_VITALS_SLACK_CHANNEL")
