"""Task: judge the last complete windows, open and resolve alerts, publish the check table."""

from datetime import datetime

from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from llm_vitals import pipeline, report
from llm_vitals.settings import Settings
from llm_vitals.tasks.retry import transient_only
from llm_vitals.tasks.writer import single_writer


@task(name="run-checks", retries=2, retry_delay_seconds=[10, 60], retry_condition_fn=transient_only,
      timeout_seconds=1800, cache_policy=NO_CACHE, log_prints=True)
def run_checks(settings: Settings, as_of: datetime | None = None) -> pipeline.CheckSummary:
    """Returns the run's results, incidents and alert changes; publishes them as a markdown artifact."""
    with single_writer():
        summary = pipeline.run_checks(settings, as_of)
    create_markdown_artifact(key="check-results", markdown=report.checks_markdown(summary),
                             description="llm-vitals checks of this run")
    print(report.checks_text(summary, None, settings.slack_configured))
    return summary
