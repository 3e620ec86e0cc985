"""The weekly_digest flow: the week's digest to Slack (or as an artifact), with its chart."""

from prefect import flow

from llm_vitals.pipeline import chart_file, tenant_channel_setting
from llm_vitals.settings import Settings
from llm_vitals.tasks.alerts import send_alerts
from llm_vitals.tasks.digest import build_digest, build_tenant_digest, upload_file


@flow(name="weekly-digest", log_prints=True)
def weekly_digest(week: str | None = None, db: str | None = None) -> str:
    """Builds the digest of the ISO week (default: the last complete one); returns the week."""
    settings = Settings(**({"db": db} if db else {}))
    week_name, chart = build_digest(settings, week)
    tenants = settings.slack_channels_by_tenant.items() if settings.slack_configured else []
    built = [(tenant, build_tenant_digest(settings, tenant, channel, week)) for tenant, channel in tenants]
    tenant_charts = [(tenant, *result) for tenant, result in built if result is not None]
    if settings.slack_configured:
        send_alerts(settings)
        upload_file(settings, chart, *chart_file(week_name))
        for tenant, tenant_week, tenant_chart, channel in tenant_charts:
            upload_file(settings, tenant_chart, *chart_file(tenant_week), channel, tenant_channel_setting(tenant))
    return week_name
