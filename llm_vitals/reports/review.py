"""The monthly review: the month's trends, evaluation pass rate, cost and routing against the month
before, every version change and what moved with it, alerts and their noise, and the checklist's
monthly items. A self-contained HTML page (charts embedded) and the same as Markdown."""

import base64
import html
import io
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from llm_vitals import db
from llm_vitals.formatting import duration
from llm_vitals.reports.digest import AlertSpan, VersionChange

CHECKLIST = (
    "Re-run the offline evaluations against the current prompt and model versions.",
    "Review who can change prompts, thresholds and deployments; remove access no longer needed.",
    "Check the rotation dates of the provider API keys and the Slack token; rotate what is due.",
    "Compare the routing assumptions (which model serves which route) with the routing shares below.",
)


@dataclass
class Review:
    month: str
    start: datetime
    daily: list[tuple[datetime, str, float | None]]
    models: list[tuple]
    changes: list[VersionChange]
    alerts: list[AlertSpan]
    charts: dict[str, bytes]


def parse_month(text: str) -> tuple[datetime, datetime, datetime]:
    """Returns (previous month's start, the month's start, the next month's start), UTC."""
    from llm_vitals.errors import ConfigError

    try:
        start = datetime.strptime(text, "%Y-%m").replace(tzinfo=UTC)
    except ValueError:
        raise ConfigError(f"Month {text!r} is not a month.", hint="Write it as YYYY-MM, e.g. 2026-10.") from None
    previous = start.replace(year=start.year - 1, month=12) if start.month == 1 else start.replace(month=start.month - 1)
    following = start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
    return previous, start, following


def build(con: duckdb.DuckDBPyConnection, month: str) -> Review:
    """Returns the review of `month` (YYYY-MM) from the metrics, cells, alerts and logs in con."""
    previous, start, following = parse_month(month)
    window = {"month_start": start, "previous_start": previous, "month_end": following}
    daily = [tuple(r) for r in db.fetch(con, "review_daily", **window)]
    models = [tuple(r) for r in db.fetch(con, "review_models", **window)]
    changes = [VersionChange(*r) for r in db.fetch(con, "digest_version_changes", week_start=start, week_end=following)]
    alerts = [AlertSpan(*r) for r in db.fetch(con, "digest_operations", week_start=start, week_end=following)]
    return Review(month, start, daily, models, changes, alerts, _charts(daily, changes, start))


def to_html(review: Review) -> str:
    """Returns one self-contained HTML page: text escaped, charts embedded as PNG data URLs."""
    e = html.escape
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{e(_title(review))}</title>",
             "<style>body{font-family:sans-serif;max-width:960px;margin:2em auto}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child{text-align:left}</style>",
             f"</head><body><h1>{e(_title(review))}</h1>"]
    for name, png in review.charts.items():
        data = base64.b64encode(png).decode()
        parts.append(f"<h2>{e(name)}</h2><img class='chart' alt='{e(name)}' src='data:image/png;base64,{data}'>")
    parts.append("<h2>Cost and routing by model, against the month before</h2><table><tr><th>model</th><th>calls</th>"
                 "<th>share</th><th>share before</th><th>cost</th><th>cost before</th></tr>")
    for model, share, share_before, calls, cost, cost_before in _model_rows(review):
        parts.append(f"<tr><td>{e(model)}</td><td>{calls:,}</td><td>{share}</td><td>{share_before}</td>"
                     f"<td>{cost}</td><td>{cost_before}</td></tr>")
    parts.append("</table><h2>Version changes</h2><ul>")
    parts += [f"<li>{e(d)} {e(str(v))}: first seen {seen:%Y-%m-%d %H:%M} UTC on {e(', '.join(routes))}</li>"
              for d, v, seen, routes in review.changes] or ["<li>None.</li>"]
    parts.append(f"</ul><h2>Alerts ({len(review.alerts)})</h2><ul>")
    parts += [f"<li>{e(metric)} on {e(dimension)} {e(segment)} ({e(severity)}): opened {opened:%Y-%m-%d %H:%M}, "
              f"lasted {duration(lasted)}</li>"
              for metric, dimension, segment, severity, opened, _, lasted in review.alerts] or ["<li>None.</li>"]
    parts.append("</ul><h2>Monthly checklist</h2><ul>")
    parts += [f"<li><input type='checkbox'> {e(item)}</li>" for item in CHECKLIST]
    parts.append("</ul></body></html>")
    return "\n".join(parts)


def to_markdown(review: Review) -> str:
    """Returns the review as Markdown (charts are in the HTML)."""
    lines = [f"# {_title(review)}", "", "## Cost and routing by model, against the month before", "",
             "| model | calls | share | share before | cost | cost before |", "|---|---|---|---|---|---|"]
    lines += [f"| {model} | {calls:,} | {share} | {share_before} | {cost} | {cost_before} |"
              for model, share, share_before, calls, cost, cost_before in _model_rows(review)]
    lines += ["", "## Version changes", ""]
    lines += [f"- {d} {v}: first seen {seen:%Y-%m-%d %H:%M} UTC on {', '.join(routes)}"
              for d, v, seen, routes in review.changes] or ["- None."]
    lines += ["", f"## Alerts ({len(review.alerts)})", ""]
    lines += [f"- {metric} on {dimension} {segment} ({severity}): opened {opened:%Y-%m-%d %H:%M}, "
              f"lasted {duration(lasted)}"
              for metric, dimension, segment, severity, opened, _, lasted in review.alerts] or ["- None."]
    lines += ["", "## Monthly checklist", ""] + [f"- [ ] {item}" for item in CHECKLIST]
    return "\n".join(lines) + "\n"


def summary(review: Review) -> dict:
    """Returns the short Slack message that goes with the attached HTML report."""
    from llm_vitals.slack.messages import escape

    calls = sum(value for day, metric, value in review.daily
                if metric == "requests" and value and day >= review.start)
    text = (f"{_title(review)}: {calls:,.0f} calls, {len(review.changes)} version change(s), "
            f"{len(review.alerts)} alert(s). The full report is attached.")
    return {"text": escape(text), "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": escape(text)}}]}


def _title(review: Review) -> str:
    return f"LLM monthly review {review.month}"


def _model_rows(review: Review) -> list[tuple]:
    total = sum(r[1] or 0 for r in review.models) or 1
    total_before = sum(r[2] or 0 for r in review.models) or 1
    return [(model, f"{100 * (calls or 0) / total:.1f}%", f"{100 * (before or 0) / total_before:.1f}%", calls or 0,
             f"${cost or 0:,.2f}", f"${cost_before or 0:,.2f}") for model, calls, before, cost, cost_before in review.models]


def _charts(daily, changes, start) -> dict[str, bytes]:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    charts = {}
    for metric, label in (("requests", "Calls per day"), ("latency_p95_ms", "p95 latency per day (ms)"),
                          ("cost_per_successful_task_usd", "Cost per successful task per day (USD)"),
                          ("error_rate", "Error rate per day"), ("eval_pass_rate", "Evaluation pass rate per day")):
        points = [(day, value) for day, m, value in daily if m == metric and value is not None]
        if not points:
            continue
        figure, axis = pyplot.subplots(figsize=(9, 3), dpi=100)
        axis.plot([p[0] for p in points], [p[1] for p in points], marker=".")
        axis.axvline(start, color="black", linewidth=1)
        for _, _value, seen, _ in changes:
            axis.axvline(seen, color="grey", linestyle="--", linewidth=1)
        axis.grid(alpha=0.3)
        figure.autofmt_xdate()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", bbox_inches="tight")
        pyplot.close(figure)
        charts[label] = buffer.getvalue()
    return charts
