"""Task: build the weekly digest, queue it for Slack, publish it as an artifact."""

from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from llm_vitals import pipeline
from llm_vitals.reports import digest_render
from llm_vitals.settings import Settings
from llm_vitals.tasks.retry import transient_only
from llm_vitals.tasks.writer import single_writer


@task(name="build-digest", retries=2, retry_delay_seconds=[10, 60], retry_condition_fn=transient_only,
      timeout_seconds=1800, cache_policy=NO_CACHE)
def build_digest(settings: Settings, week: str | None = None) -> tuple[str, bytes]:
    """Returns the ISO week and its chart (PNG); the message waits in the outbox for send-alerts."""
    with single_writer():
        built, chart = pipeline.weekly_digest(settings, week)
    create_markdown_artifact(key="weekly-digest", markdown=digest_render.markdown(built), description=f"Digest {built.week}")
    return built.week, chart


@task(name="build-tenant-digest", cache_policy=NO_CACHE, log_prints=True)
def build_tenant_digest(settings: Settings, tenant: str, channel: str,
                        week: str | None = None) -> tuple[str, bytes, str] | None:
    """Queues one tenant's digest for its channel; returns its week, chart and channel, or None
    when the tenant has no calls that week (nothing is posted)."""
    with single_writer():
        return pipeline.queue_tenant_digest(settings, tenant, channel, week)


@task(name="upload-file", retries=3, retry_delay_seconds=[30, 120, 300], retry_condition_fn=transient_only,
      timeout_seconds=600, cache_policy=NO_CACHE, log_prints=True)
def upload_file(settings: Settings, content: bytes, filename: str, title: str, channel: str | None = None,
                setting: str = "LLM_VITALS_SLACK_CHANNEL") -> bool:
    """Returns whether the file went to Slack (a webhook cannot take files; a channel Slack refuses
    for good is logged, and the run goes on)."""
    from llm_vitals.prefect_secret import slack_token

    return pipeline.upload_or_tell(settings, content, filename, title, channel, setting, token=slack_token(settings))
