"""The demo's two weeks as a database, and settings for tests that run the pipeline on it (with
the loopback Slack server when given one)."""

from datetime import UTC, datetime

from llm_vitals import demo, pipeline
from llm_vitals.settings import Settings

END = datetime(2026, 10, 19, tzinfo=UTC)  # the demo's 14 days are 2026-10-05 .. 2026-10-18
TOKEN = "xoxb-test-0000-secret-token"


def build_demo_db(path, incidents: bool):
    settings = Settings(db=path, memory_limit=None)
    logs = demo.generate(path.parent / ("logs-incidents" if incidents else "logs-clean"), end=END, incidents=incidents)
    pipeline.ingest_sources(settings, [str(logs)])
    pipeline.compute_metrics(settings)
    return path


def demo_settings(db, slack=None, **extra) -> Settings:
    values = {"db": db, "memory_limit": None, "data_docs_dir": None}
    if slack is not None:
        values |= {"slack_bot_token": TOKEN, "slack_channel": "#llm-alerts", "slack_base_url": slack.base_url,
                   "slack_timeout_seconds": 1, "slack_retries": 1}
    return Settings(**(values | extra))
