"""Task: send the alerts waiting in the outbox to Slack; retried only while Slack is unavailable."""

from prefect import task
from prefect.cache_policies import NO_CACHE

from llm_vitals import pipeline
from llm_vitals.prefect_secret import slack_token
from llm_vitals.settings import Settings
from llm_vitals.slack.delivery import DeliveryReport, SlackUnavailable
from llm_vitals.tasks.retry import transient_only
from llm_vitals.tasks.writer import single_writer


@task(name="send-alerts", retries=3, retry_delay_seconds=[30, 120, 300], retry_condition_fn=transient_only,
      timeout_seconds=900, cache_policy=NO_CACHE, log_prints=True)
def send_alerts(settings: Settings) -> DeliveryReport | None:
    """Returns what was sent; raises SlackUnavailable (retried) while messages still wait."""
    token = slack_token(settings)
    with single_writer():
        report = pipeline.deliver_alerts(settings, token=token)
    if report is not None and report.waiting:
        raise SlackUnavailable(f"{report.waiting} Slack message(s) wait in the outbox: {report.last_error}")
    return report
