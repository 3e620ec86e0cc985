"""Task: recompute the metric windows that new data touched."""

from prefect import task
from prefect.cache_policies import NO_CACHE

from llm_vitals import pipeline, report
from llm_vitals.metrics import MetricsSummary
from llm_vitals.settings import Settings
from llm_vitals.tasks.retry import transient_only


@task(name="compute-metrics", retries=3, retry_delay_seconds=[5, 30, 120], retry_condition_fn=transient_only,
      cache_policy=NO_CACHE, log_prints=True)
def compute_metrics(settings: Settings, full: bool = False) -> MetricsSummary:
    """Returns how many windows and rows were recomputed."""
    summary = pipeline.compute_metrics(settings, full=full)
    print(report.metrics_text(summary))
    return summary
