"""The monthly_review flow: the month's review as HTML and Markdown, summarised in Slack with the report attached."""

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from llm_vitals import pipeline, sequences
from llm_vitals.settings import Settings
from llm_vitals.tasks.alerts import send_alerts
from llm_vitals.tasks.digest import upload_file
from llm_vitals.tasks.retry import transient_only
from llm_vitals.tasks.writer import single_writer


@task(name="build-review", retries=2, retry_delay_seconds=[10, 60], retry_condition_fn=transient_only,
      timeout_seconds=1800, cache_policy=NO_CACHE)
def build_review(settings: Settings, month: str | None) -> tuple[str, bytes]:
    """Writes the report; returns its month and HTML, and publishes the Markdown as an artifact."""
    with single_writer():
        built, html_path, md_path = pipeline.monthly_review(settings, month)
    create_markdown_artifact(key="monthly-review", markdown=md_path.read_text(), description=f"Review {built.month}")
    return built.month, html_path.read_bytes()


@flow(name="monthly-review", log_prints=True)
def monthly_review(month: str | None = None, db: str | None = None) -> str:
    """Builds the review of the month (default: the last complete one), as `llm-vitals review`
    does (llm_vitals.sequences.monthly_review); returns the month."""
    settings = Settings(**({"db": db} if db else {}))
    steps = sequences.ReviewSteps(build=build_review, deliver=send_alerts, upload=upload_file)
    return sequences.monthly_review(settings, steps, month).month
