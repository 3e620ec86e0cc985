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
        f"  priced      {summary.priced_by_genai:>12,}  (no cost_usd in the log; priced with genai-prices)",
        f"  unpriced    {summary.unpriced:>12,}  (cost_usd NULL: no cost in the log and no known price)",
    ]
    return "\n".join(lines)


def metrics_text(summary: MetricsSummary) -> str:
    """Returns how many windows and metric rows one metrics run wrote."""
    if not summary.windows:
        return f"Metrics: up to date through batch {summary.through_batch_id}; nothing to recompute."
    return (
        f"Metrics: {summary.windows:,} hour/day/week windows recomputed, {summary.rows:,} rows written"
        f" in {summary.seconds:.2f} s (through batch {summary.through_batch_id})."
    )
