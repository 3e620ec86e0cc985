"""One-screen text summaries of pipeline runs, for the CLI and Prefect logs."""

from llm_vitals.ingest import IngestSummary
from llm_vitals.metrics import MetricsSummary


def ingest_text(summary: IngestSummary) -> str:
    """Returns the ingest summary: files, accepted, rejected by reason, duplicates, unpriced, seconds."""
    lines = [
        f"Ingest batch {summary.batch_id}: {summary.files_read} of {summary.files_found} files read"
        f" ({summary.files_unchanged} unchanged since the last run) in {summary.seconds:.2f} s",
        f"  accepted    {summary.accepted:>12,}",
        f"  rejected    {summary.rejected:>12,}",
    ]
    for reason, count in list(summary.rejected_by_reason.items())[:10]:
        lines.append(f"    {count:>10,}  {reason}")
    if len(summary.rejected_by_reason) > 10:
        lines.append(f"    … and {len(summary.rejected_by_reason) - 10} more reasons (table rejected_records)")
    lines += [
        f"  duplicates  {summary.duplicates:>12,}  (later copies of a request_id, not stored)",
        f"  blank       {summary.blank:>12,}  (empty lines, skipped)",
        f"  priced      {summary.priced_by_genai:>12,}  (no cost_usd in the log; priced with genai-prices)",
        f"  unpriced    {summary.unpriced:>12,}  (cost_usd NULL: no cost in the log and no known price)",
    ]
    if summary.waiting:
        lines.append(f"  waiting     {summary.waiting:>12,}  (a last line without a line ending yet: read once it ends,"
                     " or once its file has not changed for LLM_VITALS_FINAL_LINE_WAIT_SECONDS)")
    for path, reason in summary.refused.items():
        lines.append(f"  REFUSED     {path}: {reason}")
    if summary.refused:
        lines.append(f"  {len(summary.refused)} file(s) refused: the rest of the batch was stored; table refused_files keeps"
                     " the reasons, and a refused file is tried again on the next run.")
    return "\n".join(lines)


def metrics_text(summary: MetricsSummary) -> str:
    """Returns how many windows and metric rows one metrics run wrote."""
    if not summary.windows:
        return f"Metrics: up to date through batch {summary.through_batch_id}; nothing to recompute."
    return (
        f"Metrics: {summary.windows:,} hour/day/week windows recomputed, {summary.rows:,} rows written"
        f" in {summary.seconds:.2f} s (through batch {summary.through_batch_id})."
    )


def checks_text(summary, delivery, slack_configured: bool) -> str:
    """Returns the check run's summary: failures by incident, alerts opened and resolved, delivery."""
    judged = [r for r in summary.results if r.status != "not enough data"]
    failing = [r for r in summary.results if r.status == "fail"]
    lines = [
        f"Checks at {summary.as_of:%Y-%m-%d %H:%M} UTC: {len(judged):,} judged, {len(failing):,} failing,"
        f" {len(summary.results) - len(judged):,} with not enough data."
    ]
    for incident in summary.incidents:
        cause = incident.cause
        lines.append(f"  FAIL {cause.severity:<8} {cause.metric} on {cause.label}: {_fmt(cause.metric, cause.observed)}"
                     f" (threshold {_fmt(cause.metric, cause.threshold)}, {cause.grain} from {cause.window_start:%Y-%m-%d %H:%M})")
        if incident.also_seen_in:
            lines.append("       also seen in: " + ", ".join(r.label for r in incident.also_seen_in[:12])
                         + (f", … and {len(incident.also_seen_in) - 12} more" if len(incident.also_seen_in) > 12 else ""))
    changes = summary.changes
    lines.append(f"Alerts: {len(changes.opened)} opened, {len(changes.resolved)} resolved, {changes.still_open} still open.")
    if summary.docs_dir:
        lines.append(f"Great Expectations Data Docs: {summary.docs_dir}/index.html")
    if not slack_configured:
        lines.append("Slack is not configured: alerts are stored in table `alerts` only. To post them, set SLACK_BOT_TOKEN"
                     " and LLM_VITALS_SLACK_CHANNEL (or LLM_VITALS_SLACK_WEBHOOK_URL).")
    elif delivery is not None:
        lines.append(delivery_text(delivery))
    return "\n".join(lines)


def delivery_text(delivery) -> str:
    """Returns what one delivery run did: sent, waiting (and why), set aside as dead (and why)."""
    if delivery is None:
        return "Slack: not configured."
    text = (f"Slack: {delivery.sent} sent, {delivery.waiting} waiting in the outbox"
            + (f" ({delivery.last_error})" if delivery.waiting else "") + ".")
    if delivery.dead:
        text += (f" {len(delivery.dead)} set aside as dead (Slack refused them for good; `llm-vitals outbox` lists,"
                 " retries or drops them):\n" + "\n".join(f"  DEAD {line}" for line in delivery.dead))
    return text


def checks_markdown(summary) -> str:
    """Returns the run's check table as Markdown (a Prefect artifact)."""
    rows = [r for r in summary.results if r.status == "fail"]
    out = [f"# Checks at {summary.as_of:%Y-%m-%d %H:%M} UTC", "",
           f"{len(summary.incidents)} incident(s); {len(rows)} failing check(s).", "",
           "| status | metric | segment | grain | observed | threshold | baseline | sample | explained by |",
           "|---|---|---|---|---|---|---|---|---|"]
    for r in sorted(rows, key=lambda r: (r.explained_by is not None, r.metric, r.dimension, r.segment)):
        out.append(f"| {r.status} | {r.metric} | {_md(r.label)} | {r.grain} | {_fmt(r.metric, r.observed)} |"
                   f" {_fmt(r.metric, r.threshold)} | {_fmt(r.metric, r.baseline)} | {r.sample_size} | {_md(r.explained_by or '')} |")
    return "\n".join(out)


def _fmt(metric: str, value) -> str:
    if value is None:
        return "n/a"
    return f"{100 * value:.2f}%" if metric.endswith(("_rate", "_share")) else f"{value:,.4g}"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
