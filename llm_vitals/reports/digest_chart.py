"""The digest's chart: p95 latency and cost per successful task by day for the busiest routes,
with the week's version rollouts marked. Returns PNG bytes (matplotlib, no display)."""

import io
from datetime import datetime


def render(rows: list[tuple[datetime, str, str, float | None]], rollouts: list[tuple[str, str, datetime]], title: str) -> bytes:
    """rows: (day, route, metric, value); rollouts: (dimension, value, first_seen). Returns a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(2, 1, figsize=(10, 6.5), sharex=True, dpi=100)
    for axis, metric, label in ((axes[0], "latency_p95_ms", "p95 latency (ms)"),
                                (axes[1], "cost_per_successful_task_usd", "cost per successful task (USD)")):
        for route in sorted({r for _, r, m, _ in rows if m == metric}):
            points = [(day, value) for day, r, m, value in rows if r == route and m == metric and value is not None]
            if points:
                axis.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=literal(route))
        for dimension, value, seen in rollouts:
            axis.axvline(seen, color="grey", linestyle="--", linewidth=1)
            if axis is axes[0]:
                axis.annotate(literal(f"{dimension} {value}"), (seen, 1), xycoords=("data", "axes fraction"),
                              rotation=90, va="top", ha="right", fontsize=7, color="dimgrey")
        axis.set_ylabel(label)
        axis.grid(alpha=0.3)
    if axes[0].get_legend_handles_labels()[0]:
        axes[0].legend(fontsize=8, loc="upper left")
    axes[0].set_title(literal(title))
    figure.autofmt_xdate()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    pyplot.close(figure)
    return buffer.getvalue()


def literal(text: str) -> str:
    """Text from logs as matplotlib shows it literally: a `$` would start math text (and a bad
    formula stops the chart), and a legend label starting with `_` would be hidden."""
    text = str(text).replace("$", r"\$")
    return "\u200b" + text if text.startswith("_") else text
