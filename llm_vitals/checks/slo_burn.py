"""SLO burn-rate alerts (the multiwindow, multi-burn-rate method of Google's SRE workbook, ch. 5)
and what is left of each error budget.

The burn rate of a window is its bad share over the share the SLO allows (1 - target): at 1 the
budget lasts exactly the SLO's window; at 14.4 a 30-day budget loses 2 % in an hour. A page fires
when both windows of a pair burn at least its rate (1 h and 5 min at 14.4, or 6 h and 30 min at
6); a ticket when 3 d and 6 h burn at least 1. The short window lets the alert resolve soon after
the burn stops. A pair is judged only when its long window holds `min_events` events and its short
window at least one bad one: at a few calls in five minutes, one failure would otherwise page.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb

from llm_vitals import db
from llm_vitals.checks.detect import CheckResult
from llm_vitals.checks.slos import WINDOWS, BurnRate, Objective, Slos


@dataclass(frozen=True)
class Counts:
    """One SLO segment's good and total events per window, and over the SLO's own window."""

    slo: Objective
    segment: str
    good: dict[str, int]
    total: dict[str, int]

    def burn(self, window: str) -> float | None:
        total = self.total.get(window, 0)
        if not total:
            return None
        return ((total - self.good[window]) / total) / (1 - self.slo.target)

    @property
    def budget_remaining(self) -> float | None:
        """The share of the error budget left over the SLO's window (negative when overspent)."""
        total = self.total.get("budget", 0)
        if not total:
            return None
        return 1 - (total - self.good["budget"]) / ((1 - self.slo.target) * total)


def counts(con: duckdb.DuckDBPyConnection, slos: Slos, as_of: datetime) -> list[Counts]:
    """Returns every SLO segment's counts at as_of."""
    longest = max([timedelta(days=s.window_days) for s in slos.slos] + [WINDOWS["3d"]])
    rows = db.records(con, "slo_counts", slos=[s.model_dump(include={"name", "objective", "latency_ms", "dimension",
                                                                       "segment", "window_days"}) for s in slos.slos],
                      since=as_of - longest, as_of=as_of)
    by_name = {s.name: s for s in slos.slos}
    out = []
    for row in rows:
        windows = [*WINDOWS, "budget"]
        out.append(Counts(by_name[row["name"]], row["segment"], {w: row[f"good_{w}"] for w in windows},
                          {w: row[f"total_{w}"] for w in windows}))
    return out


def results(counted: list[Counts], slos: Slos, as_of: datetime) -> list[CheckResult]:
    """Returns each SLO segment's page and ticket results."""
    out = []
    for c in counted:
        page = _judge(c, "page", slos.page, c.slo.severity, slos.min_events, as_of)
        ticket = _judge(c, "ticket", slos.ticket, "warning", slos.min_events, as_of)
        if page.status == "fail":  # a page says it all: the ticket of the same burn is not raised too
            ticket.explained_by = f"{page.metric} on {page.label}"
        out += [page, ticket]
    return out


def _judge(c: Counts, level: str, pairs: list[BurnRate], severity: str, min_events: int, as_of: datetime) -> CheckResult:
    judged = [p for p in pairs if c.total[p.long] >= min_events and c.total[p.short] - c.good[p.short] >= 1]
    firing = [p for p in judged if (c.burn(p.long) or 0) >= p.rate and (c.burn(p.short) or 0) >= p.rate]
    shown = (firing or judged or pairs)[0]
    result = CheckResult(
        check="slo", metric=f"slo_{c.slo.name}_{level}", grain="now", window_start=as_of - WINDOWS[shown.long],
        window_end=as_of, dimension=c.slo.dimension, segment=c.segment, severity=severity,
        observed=c.burn(shown.long), threshold=shown.rate, baseline=c.budget_remaining,
        numerator=c.total[shown.long] - c.good[shown.long], sample_size=c.total[shown.long], kind="slo",
    )
    if c.total[shown.long] >= min_events:
        result.status = "fail" if firing else "pass"
        result.beyond = bool(firing)
    return result


def store_status(con: duckdb.DuckDBPyConnection, counted: list[Counts], as_of: datetime) -> None:
    """Records every SLO segment's error budget and burn rates at as_of in table slo_status."""
    rows = []
    for c in counted:
        rows.append({"slo": c.slo.name, "objective": c.slo.objective, "dimension": c.slo.dimension, "segment": c.segment,
                     "target": c.slo.target, "window_days": c.slo.window_days, "good": c.good["budget"],
                     "total": c.total["budget"], "budget_remaining": c.budget_remaining,
                     "burn_1h": c.burn("1h"), "burn_6h": c.burn("6h"), "burn_3d": c.burn("3d")})
    db.run(con, "slo_status_store", as_of=as_of, rows=rows)
