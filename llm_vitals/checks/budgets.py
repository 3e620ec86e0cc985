"""Spend budgets: the spend of a day, week or month (one tenant's, or all calls') against its budget.

A budget fails once its period's spend reaches `usd` (the alert opens once, and resolves when a new
period starts and the spend is back under it). Earlier, a warning opens when the forecast reaches
it: the spend so far plus the last 24 hours' spend per hour (or the period's so far, when it is
younger than a day) times the hours left in the period, once a tenth of the period has passed.
"""

from datetime import UTC, datetime, timedelta

import duckdb

from llm_vitals import db
from llm_vitals.checks.detect import CheckResult
from llm_vitals.checks.thresholds import Budget


def period_bounds(as_of: datetime, period: str) -> tuple[datetime, datetime]:
    """The [start, end) of the day, ISO week (from Monday) or month holding as_of, in UTC."""
    day = as_of.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "day":
        return day, day + timedelta(days=1)
    if period == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=7)
    start = day.replace(day=1)
    return start, (start + timedelta(days=32)).replace(day=1)


def forecast(spent: float, last_day_spend: float, period_start: datetime, period_end: datetime, as_of: datetime) -> float | None:
    """The period's spend at this run rate (None before a tenth of the period has passed)."""
    elapsed, length = (as_of - period_start).total_seconds(), (period_end - period_start).total_seconds()
    if elapsed < length / 10:
        return None
    hours = min(elapsed, 86400) / 3600
    return spent + (last_day_spend / hours) * (period_end - as_of).total_seconds() / 3600


def results(con: duckdb.DuckDBPyConnection, budgets: list[Budget], as_of: datetime) -> list[CheckResult]:
    """Returns each budget's two results: spend against the budget, and its forecast (a warning)."""
    out = []
    for budget in budgets:
        start, end = period_bounds(as_of, budget.period)
        spent, last_day, calls = db.fetch(con, "budget_spend", tenant=budget.tenant, period_start=start, as_of=as_of,
                                          day_start=max(start, as_of - timedelta(days=1)))[0]
        dimension, segment = ("tenant", budget.tenant) if budget.tenant is not None else ("all", "all")
        common = {"check": "budget", "grain": "period", "window_start": start, "window_end": end, "dimension": dimension,
                  "segment": segment, "threshold": budget.usd, "baseline": None, "numerator": calls,
                  "sample_size": calls, "kind": "budget"}
        crossed = spent >= budget.usd
        out.append(CheckResult(metric=f"spend_{budget.period}_usd", severity=budget.severity, observed=spent,
                               status="fail" if crossed else "pass", beyond=crossed, **common))
        if budget.warn_at_forecast:
            projected = forecast(spent, last_day, start, end, as_of)
            warn = projected is not None and projected >= budget.usd and not crossed
            out.append(CheckResult(metric=f"spend_{budget.period}_forecast_usd", severity="warning", observed=projected,
                                   status="not enough data" if projected is None else ("fail" if warn else "pass"),
                                   beyond=warn, **common))
    return out
