"""The weekly_digest flow: the week's digest to Slack (or as an artifact), with its chart."""

from prefect import flow

from llm_vitals import sequences
from llm_vitals.settings import Settings
from llm_vitals.tasks.alerts import send_alerts
from llm_vitals.tasks.digest import build_digest, build_tenant_digest, upload_file


@flow(name="weekly-digest", log_prints=True)
def weekly_digest(week: str | None = None, db: str | None = None) -> str:
    """Builds the digest of the ISO week (default: the last complete one), as `llm-vitals digest`
    does (llm_vitals.sequences.weekly_digest); returns the week."""
    settings = Settings(**({"db": db} if db else {}))
    steps = sequences.DigestSteps(build=build_digest, build_tenant=build_tenant_digest, deliver=send_alerts,
                                  upload=upload_file)
    return sequences.weekly_digest(settings, steps, week).week
