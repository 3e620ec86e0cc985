"""Task: recompute the metric windows that new data touched."""

from prefect import task
from prefect.cache_policies import NO_CACHE

from llm_vitals import pipeline, report
from llm_vitals.metrics import MetricsSummary
from llm_vitals.settings import Settings
from llm_vitals.tasks.retry import transient_only
from llm_vitals.tasks.writer import single_writer


@task(name="compute-metrics", retries=3, retry_delay_seconds=[5, 30, 120], retry_condition_fn=transient_only,
      timeout_seconds=2 * 3600, cache_policy=NO_CACHE, log_prints=True)
def compute_metrics(settings: Settings, full: bool = False) -> MetricsSummary:
    """Returns how many windows and rows were recomputed."""
    with single_writer():
        summary = pipeline.compute_metrics(settings, full=full)
    print(report.metrics_text(summary))
    return summary


@task(name="publish-read-copy", retries=3, retry_delay_seconds=[5, 30, 120], retry_condition_fn=transient_only,
      timeout_seconds=1800, cache_policy=NO_CACHE, log_prints=True)
def publish_read_copy(settings: Settings) -> float | None:
    """Publishes the database as its read copy for analysts; returns the seconds it took."""
    with single_writer():
        seconds = pipeline.publish_read_copy(settings)
    if seconds is not None:
        print(f"Read copy {settings.read_copy_path} published in {seconds:.2f} s.")
    return seconds
