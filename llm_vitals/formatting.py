"""How values read in text meant for people (terminal, Markdown, Slack): one place for each, so
segments, percentages, money, milliseconds and durations read the same in alerts, digests and reviews."""

from datetime import timedelta


def segment_label(dimension: str, segment: str) -> str:
    """Names a segment: "all calls", "route chat", or "calls without a tenant" for the empty one."""
    if dimension == "all":
        return "all calls"
    if segment == "":
        return f"calls without a {dimension.replace('_', ' ')}"
    return f"{dimension} {segment}"


def percent(rate: float | None) -> str:
    """A fraction as a percentage with one decimal: 0.0123 -> "1.2%"."""
    return "n/a" if rate is None else f"{100 * rate:.1f}%"


def is_fraction(metric: str) -> bool:
    """Whether the metric is a share of calls (a rate or a routing share), shown as a percentage."""
    return metric.endswith(("_rate", "_share"))


def metric_value(metric: str, value: float | None) -> str:
    """A metric's value in its unit, told by its name: rates and shares as percentages, *_usd as
    dollars (4 decimals under $1), *_ms as whole milliseconds; anything else (counts, tokens, burn
    rates, minutes) whole from 1,000 up and with four significant digits below: never 1.806e+07."""
    if value is None:
        return "n/a"
    if is_fraction(metric):
        return percent(value)
    if metric.endswith("_usd"):
        return f"${value:,.4f}" if value < 1 else f"${value:,.2f}"
    if metric.endswith("_ms"):
        return f"{value:,.0f} ms"
    return f"{value:,.0f}" if abs(value) >= 1000 or float(value).is_integer() else f"{value:.4g}"


def duration(delta: timedelta) -> str:
    """A span in days, hours and minutes, the zero parts left out: "1d 3h 5m", "45m"."""
    minutes = int(delta.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{minutes}m" if minutes or not (days or hours) else ""]
    return " ".join(part for part in parts if part)
