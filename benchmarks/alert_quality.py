"""Benchmark: how good `llm-vitals check` is at ordinary traffic, scored over many generated scenarios.

    python benchmarks/alert_quality.py                 # the full suite (README table)
    python benchmarks/alert_quality.py --quick         # a few scenarios, to try a change
    python benchmarks/alert_quality.py --size 5x1d --calls-per-day 10000   # some sizes, more traffic
    python benchmarks/alert_quality.py --ceiling       # what an oracle could catch (no checks run)
    python benchmarks/alert_quality.py --margins --size 5x1d   # what the null's room for noise costs

Each scenario is 21 days of request logs at about 2,000 calls a day (diurnal and weekly traffic,
8 routes, 5 models, 16 tenants of Zipf-like sizes, day-to-day noise in every rate), with one
injected incident or none: parser failures on a structured route, timeouts or rate limits on a
model, empty retrievals for a tenant, errors on a route, slower calls on a model, longer prompts
on a route, costlier calls on a model; at several magnitudes and durations, starting at a random
hour of days 14-17. Each goes through `llm-vitals ingest` and `metrics`; then `check` runs at every
hour of days 8-21, as a schedule would, and its alerts are scored:
  recall          an alert on the incident's metric opens within one day of its start
  localised       ... and names the incident's segment as its cause
  alerts/incident alerts on the incident's metric from its start to a day after its end
  false alarms    per scenario-week: alerts in clean scenarios, and alerts on other metrics
                  (or before the start) in incident scenarios
  time to detect  median, hours from the start to the alert
Seeds differ per scenario; nothing is tuned to one of them.

`--ceiling` bounds the recall of any detector on the rate incidents: an oracle that knows the
incident's metric, segment, start and true rate makes one exact binomial test of the events in the
incident's calls of its first day, at a false-alarm level per test; its power is the ceiling.
"""

import argparse
import json
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

START = datetime(2026, 9, 7, tzinfo=UTC)  # a Monday
DAYS = 21
CHECK_FROM, CHECK_TO = 8, 21  # check at every hour of days 8 .. 21 (the first has a 7-day baseline)
ROUTES = ["chat", "extract", "classify", "summarize", "search-qa", "support", "code", "agent"]
ROUTE_WEIGHTS = [0.22, 0.14, 0.10, 0.12, 0.14, 0.12, 0.08, 0.08]
STRUCTURED = {"extract", "classify", "agent"}
RETRIEVAL = {"search-qa", "support", "chat"}
MODELS = [  # name, provider, median latency ms, USD per 1k input tokens, per 1k output tokens
    ("gpt-4o-mini", "openai", 700, 0.00015, 0.0006),
    ("gpt-4.1", "openai", 1900, 0.002, 0.008),
    ("claude-sonnet-4-5", "anthropic", 2400, 0.003, 0.015),
    ("claude-3-5-haiku-latest", "anthropic", 900, 0.0008, 0.004),
    ("gemini-2.5-flash", "google", 800, 0.0003, 0.0025),
]
ROUTE_MODELS = {"chat": [0, 3], "extract": [0, 4], "classify": [0, 4], "summarize": [4, 3], "search-qa": [1, 4],
                "support": [2, 1], "code": [2, 1], "agent": [2, 0]}
TENANTS = [f"t{n:02d}" for n in range(1, 17)]
BASE = {"error": 0.01, "timeout": 0.01, "rate_limited": 0.005, "parse_failure": 0.015, "empty_retrieval": 0.03}

# incident kind: (the metrics an alert on it may name, the dimension it hits, magnitudes)
KINDS = {
    "parser": (("parser_failure_rate",), "route", (3, 5, 10)),
    "timeout": (("timeout_rate", "error_rate"), "model", (3, 5, 10)),
    "rate_limit": (("rate_limit_rate", "error_rate"), "model", (3, 5, 10)),
    "retrieval": (("retrieval_empty_rate",), "tenant", (3, 5, 10)),
    "error": (("error_rate",), "route", (3, 5, 10)),
    "latency": (("latency_p95_ms", "latency_p99_ms", "ttft_p95_ms"), "model", (1.5, 2, 3)),  # TTFT: a share of latency
    "tokens": (("tokens_per_request", "cost_per_request_usd", "cost_per_successful_task_usd"), "route", (1.5, 2)),
    "cost": (("cost_per_request_usd", "cost_per_successful_task_usd"), "model", (2, 3)),
}
DURATIONS = {"6h": timedelta(hours=6), "1d": timedelta(days=1), "4d": timedelta(days=4)}


@dataclass
class Scenario:
    seed: int
    kind: str | None = None  # None: a clean scenario
    magnitude: float = 1.0
    duration: str = "1d"
    segment: str | None = None
    start: datetime | None = None

    @property
    def end(self) -> datetime | None:
        return self.start + DURATIONS[self.duration] if self.start else None


@dataclass
class Outcome:
    scenario: Scenario
    alerts: list[dict] = field(default_factory=list)
    detected: bool = False
    localised: bool = False
    hours_to_detect: float | None = None
    incident_alerts: int = 0
    false_alarms: int = 0
    weeks: float = 0.0
    seconds: float = 0.0


def scenarios(quick: bool) -> list[Scenario]:
    """The suite: every kind at every magnitude for a day, the middle magnitude for 6 hours and 4
    days, and clean scenarios; each with its own seed, segment and start."""
    rng = np.random.default_rng(20261202)
    out, seed = [], 1000
    for kind, (_, dimension, magnitudes) in KINDS.items():
        plan = [(m, "1d") for m in magnitudes] + [(magnitudes[len(magnitudes) // 2], d) for d in ("6h", "4d")]
        if quick:
            plan = [(magnitudes[len(magnitudes) // 2], "1d")]
        for magnitude, duration in plan:
            seed += 1
            out.append(Scenario(seed, kind, magnitude, duration, _pick_segment(rng, kind, dimension),
                                START + timedelta(days=int(rng.integers(14, 18)), hours=int(rng.integers(0, 24)))))
    for _ in range(2 if quick else 12):
        seed += 1
        out.append(Scenario(seed))
    return out


def _pick_segment(rng, kind: str, dimension: str) -> str:
    if kind == "parser":
        return str(rng.choice(sorted(STRUCTURED)))
    if dimension == "route":
        return str(rng.choice(ROUTES[:6]))
    if dimension == "model":
        return str(rng.choice([m[0] for m in MODELS]))
    return str(rng.choice(TENANTS[:10]))  # a tenant with some traffic: the ten largest of sixteen


def simulate(s: Scenario, per_day: int = 2000) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The scenario's calls as columns, and which calls the incident touches."""
    rng = np.random.default_rng(s.seed)
    hours = np.arange(DAYS * 24)
    diurnal = 0.35 + np.sin(np.clip((hours % 24 - 6) / 16, 0, 1) * np.pi) ** 2
    weekly = np.where((hours // 24) % 7 >= 5, 0.7, 1.0)
    expected = per_day / 24 * diurnal * weekly / (diurnal * weekly).mean()
    per_hour = rng.poisson(expected)
    n = int(per_hour.sum())
    hour = np.repeat(hours, per_hour)
    ts = np.array([START.timestamp()]) + hour * 3600 + rng.uniform(0, 3600, n)
    route = rng.choice(len(ROUTES), n, p=ROUTE_WEIGHTS)
    pick = rng.random(n) < 0.5
    model = np.array([ROUTE_MODELS[ROUTES[r]][int(p)] for r, p in zip(route, pick)])
    tenant_w = 1 / np.arange(1, 17) ** 0.7
    tenant = rng.choice(16, n, p=tenant_w / tenant_w.sum())
    day = hour // 24
    # day-to-day noise in every rate (real traffic is not binomial): one factor per day and model
    noise = rng.lognormal(0, 0.15, (DAYS, len(MODELS)))[day, model]
    in_incident = np.zeros(n, bool)
    if s.kind:
        t0, t1 = s.start.timestamp(), s.end.timestamp()
        dimension = KINDS[s.kind][1]
        values = {"route": np.array(ROUTES)[route], "model": np.array([m[0] for m in MODELS])[model],
                  "tenant": np.array(TENANTS)[tenant]}[dimension]
        in_incident = (ts >= t0) & (ts < t1) & (values == s.segment)
    boost = lambda kind: np.where(in_incident & (s.kind == kind), s.magnitude, 1.0)  # noqa: E731
    u = rng.random(n)
    p_timeout = BASE["timeout"] * noise * boost("timeout")
    p_rate = BASE["rate_limited"] * noise * boost("rate_limit")
    p_error = BASE["error"] * noise * boost("error")
    status = np.where(u < p_timeout, "timeout", np.where(u < p_timeout + p_rate, "rate_limited",
                      np.where(u < p_timeout + p_rate + p_error, "error", "ok")))
    median = np.array([m[2] for m in MODELS])[model] * np.where(in_incident & (s.kind == "latency"), s.magnitude, 1.0)
    latency = np.round(rng.lognormal(np.log(median), 0.45), 1)
    latency = np.where(status == "timeout", 30000.0, latency)
    ttft = np.round(latency * rng.uniform(0.1, 0.3, n), 1)
    input_tokens = np.round(rng.lognormal(np.log(1200), 0.6, n) * np.where(in_incident & (s.kind == "tokens"),
                                                                             s.magnitude, 1.0)).astype(int)
    output_tokens = np.round(rng.lognormal(np.log(250), 0.7, n)).astype(int)
    ok = status == "ok"
    input_tokens = np.where(ok, input_tokens, 0)
    output_tokens = np.where(ok, output_tokens, 0)
    price_in = np.array([m[3] for m in MODELS])[model] * np.where(in_incident & (s.kind == "cost"), s.magnitude, 1.0)
    price_out = np.array([m[4] for m in MODELS])[model] * np.where(in_incident & (s.kind == "cost"), s.magnitude, 1.0)
    cost = np.round((input_tokens * price_in + output_tokens * price_out) / 1000, 9)
    structured = np.isin(np.array(ROUTES)[route], list(STRUCTURED))
    parse_ok = ~(rng.random(n) < BASE["parse_failure"] * noise * boost("parser"))
    retrieval = np.isin(np.array(ROUTES)[route], list(RETRIEVAL))
    empty = rng.random(n) < BASE["empty_retrieval"] * noise * boost("retrieval")
    docs = np.where(empty, 0, rng.integers(1, 9, n))
    return {
        "request_id": np.array([f"s{s.seed}-{i}" for i in range(n)]), "ts": ts,
        "route": np.array(ROUTES)[route], "model": np.array([m[0] for m in MODELS])[model],
        "provider": np.array([m[1] for m in MODELS])[model], "status": status, "latency_ms": latency,
        "ttft_ms": np.where(ok, ttft, np.nan), "tenant": np.array(TENANTS)[tenant],
        "input_tokens": input_tokens, "output_tokens": output_tokens, "cost_usd": cost,
        "structured_output": structured, "parse_ok": np.where(structured & ok, parse_ok, None),
        "retrieval_used": retrieval, "retrieved_docs": np.where(retrieval & ok, docs, None),
        "prompt_version": np.array([f"{r}-v3" for r in ROUTES])[route], "task_success": ok,
    }, in_incident


def generate(s: Scenario, path: Path, per_day: int = 2000) -> int:
    """Writes the scenario's calls as JSON Lines; returns how many."""
    import duckdb
    import pyarrow as pa

    columns, _ = simulate(s, per_day)
    n = len(columns["ts"])
    table = pa.table({
        **{name: values for name, values in columns.items() if name != "ts"},
        "timestamp": pa.array((columns["ts"] * 1e6).astype("int64"), pa.timestamp("us", tz="UTC")),
        "parse_ok": pa.array(columns["parse_ok"], pa.bool_()),
        "retrieved_docs": pa.array(columns["retrieved_docs"], pa.int64()),
    })
    con = duckdb.connect()
    con.register("calls", table)
    con.execute("set TimeZone = 'UTC'")
    con.execute(f"copy (select * replace (strftime(timestamp, '%Y-%m-%dT%H:%M:%S.%fZ') as timestamp,"
                f" case when isnan(ttft_ms) then null else ttft_ms end as ttft_ms) from calls order by timestamp)"
                f" to '{path}' (format json)")  # path: a temporary file this script names
    con.close()
    return n


# rate incidents: (the metric a check must alert on, the calls it counts, its rate before, during)
CEILING = {
    "parser": ("parser_failure_rate", "structured", lambda m: BASE["parse_failure"] * m),
    "timeout": ("timeout_rate", "all", lambda m: BASE["timeout"] * m),
    "rate_limit": ("rate_limit_rate", "all", lambda m: BASE["rate_limited"] * m),
    "retrieval": ("retrieval_empty_rate", "retrieval", lambda m: BASE["empty_retrieval"] * m),
    "error": ("error_rate", "all", lambda m: BASE["timeout"] + BASE["rate_limited"] + BASE["error"] * m),
}
CEILING_LEVELS = (1e-2, 1e-3, 1e-4)


def ceiling(s: Scenario, per_day: int) -> dict[float, float]:
    """The recall no detector can beat at a given false-alarm level per test: an oracle that knows
    the incident's metric, segment, start and true rate before it tests once, with the exact
    binomial test, the events in the incident's calls of its first day (up to 24 hours). Returns
    its power (the chance it is significant) at each level of CEILING_LEVELS."""
    from llm_vitals.stats import binomial_sf

    columns, touched = simulate(s, per_day)
    _metric, counted, rate = CEILING[s.kind]
    first_day = columns["ts"] < (s.start + timedelta(days=1)).timestamp()
    ok = columns["status"] == "ok"
    trials = {"all": np.ones(len(ok), bool), "structured": columns["structured_output"] & ok,
              "retrieval": columns["retrieval_used"] & ok}[counted]
    n = int((touched & first_day & trials).sum())
    p0, p1 = rate(1.0), rate(s.magnitude)
    out = {}
    for level in CEILING_LEVELS:
        k = next(k for k in range(n + 2) if binomial_sf(k, n, p0) <= level)
        out[level] = binomial_sf(k, n, p1)
    return out


def ceiling_table(suite: list[Scenario], per_day: int) -> str:
    """The oracle's expected recall by magnitude and duration, over the suite's rate incidents."""
    by_size: dict[tuple, list[dict[float, float]]] = {}
    for s in suite:
        if s.kind in CEILING:
            by_size.setdefault((s.magnitude, s.duration), []).append(ceiling(s, per_day))
    levels = " | ".join(f"α = {level:g}" for level in CEILING_LEVELS)
    lines = [f"Ceiling at {per_day:,} calls a day (the oracle's expected recall, rate incidents):", "",
             f"| magnitude, duration | scenarios | {levels} |", "|---|---|" + "---|" * len(CEILING_LEVELS)]
    order = {"6h": 0, "1d": 1, "4d": 2}
    for (magnitude, duration), powers in sorted(by_size.items(), key=lambda i: (i[0][0], order[i[0][1]])):
        cells = " | ".join(f"{statistics.mean(p[level] for p in powers):.0%}" for level in CEILING_LEVELS)
        lines.append(f"| {magnitude:g}x for {duration} | {len(powers)} | {cells} |")
    return "\n".join(lines)


MIN_INCREASE = {"parser": 0.01, "timeout": 0.01, "rate_limit": 0.01, "retrieval": 0.02, "error": 0.01}  # thresholds.yaml


def margins_table(suite: list[Scenario], per_day: int, noise_margin: float = 1.1) -> str:
    """For each rate incident, the day window (24 hours ending at 00, 06, 12 or 18 UTC) inside its
    first day with the smallest p-value, tested three ways: as `check` tests it (against
    max(p0 x noise_margin, p0 + min_increase / 4), p0 the segment's pooled 7 days before the
    window's day), against the bare baseline p0 (as the oracle does), and conditionally (the
    window's events among the window's and the baseline's, under a rate ratio of noise_margin)."""
    from llm_vitals.stats import binomial_sf

    lines = ["| incident | window calls, events | baseline p0 | p, as `check` | p, against p0 | p, conditional |",
             "|---|---|---|---|---|---|"]
    for s in suite:
        if s.kind not in CEILING:
            continue
        columns, touched = simulate(s, per_day)
        ok = columns["status"] == "ok"
        in_segment = columns[KINDS[s.kind][1]] == s.segment
        trials = in_segment & {"parser": columns["structured_output"] & ok,
                               "retrieval": columns["retrieval_used"] & ok}.get(s.kind, np.ones(len(ok), bool))
        events = {"parser": columns["parse_ok"] == False, "retrieval": columns["retrieved_docs"] == 0,  # noqa: E712
                  "timeout": columns["status"] == "timeout", "rate_limit": columns["status"] == "rate_limited",
                  "error": ~ok}[s.kind].astype(bool)
        ts, t0 = columns["ts"], s.start.timestamp()
        best = None
        for end in range(int(START.timestamp()), int(t0) + 86401, 6 * 3600):
            if end <= t0:
                continue
            day = START.timestamp() + (end - 86400 - START.timestamp()) // 86400 * 86400
            before = trials & (ts >= day - 7 * 86400) & (ts < day)
            window = trials & (ts >= end - 86400) & (ts < end)
            n, k, n0, k0 = int(window.sum()), int((window & events).sum()), int(before.sum()), int((before & events).sum())
            p0 = k0 / n0
            null = max(p0 * noise_margin, p0 + MIN_INCREASE[s.kind] / 4)
            row = (binomial_sf(k, n, null), binomial_sf(k, n, p0),
                   binomial_sf(k, k + k0, noise_margin * n / (noise_margin * n + n0)), n, k, p0)
            best = min(best or row, row)
        p, bare, conditional, n, k, p0 = best
        lines.append(f"| {s.kind} {s.magnitude:g}x{s.duration}, {KINDS[s.kind][1]} {s.segment} | {n}, {k} | {p0:.2%} |"
                     f" {p:.1e} | {bare:.1e} | {conditional:.1e} |")
    return "\n".join(lines)


def run(s: Scenario) -> Outcome:
    """Generates, ingests and checks one scenario hour by hour; returns its scored outcome."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from llm_vitals import pipeline
    from llm_vitals.settings import Settings

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="alert-quality-") as folder:
        logs = Path(folder) / "calls.jsonl"
        generate(s, logs, int(os.environ.get("ALERT_QUALITY_CALLS_PER_DAY", "2000")))
        settings = Settings(db=Path(folder) / "v.duckdb", read_copy=False, data_docs_dir=None,
                            thresholds=os.environ.get("ALERT_QUALITY_THRESHOLDS") or None)
        pipeline.ingest_sources(settings, [str(logs)])
        pipeline.compute_metrics(settings)
        as_of = START + timedelta(days=CHECK_FROM)
        while as_of <= START + timedelta(days=CHECK_TO):
            pipeline.run_checks(settings, as_of, great_expectations=False)
            as_of += timedelta(hours=1)
        import duckdb

        con = duckdb.connect(str(settings.db), read_only=True)
        rows = con.execute("select metric, dimension, segment, grain, opened_at from alerts order by opened_at").fetchall()
        con.close()
        if os.environ.get("ALERT_QUALITY_KEEP"):  # --keep: the scenario's database, to study its check results
            shutil.copy(settings.db, Path(os.environ["ALERT_QUALITY_KEEP"]) / f"scenario-{s.seed}.duckdb")
    outcome = score(s, [{"metric": m, "dimension": d, "segment": g, "window": w, "opened_at": o.isoformat()}
                        for m, d, g, w, o in rows])
    outcome.seconds = time.perf_counter() - started
    return outcome


def score(s: Scenario, alerts: list[dict]) -> Outcome:
    """Scores one scenario's alerts (as `run` stores them) against its incident."""
    outcome = Outcome(s, alerts)
    outcome.weeks = (CHECK_TO - CHECK_FROM) / 7
    metrics = KINDS[s.kind][0] if s.kind else ()
    for alert in alerts:
        metric, segment, opened_at = alert["metric"], alert["segment"], datetime.fromisoformat(alert["opened_at"])
        if s.kind and metric in metrics and s.start <= opened_at <= s.end + timedelta(days=1):
            outcome.incident_alerts += 1
            if opened_at <= s.start + timedelta(days=1) and not outcome.detected:
                outcome.detected = True
                outcome.hours_to_detect = (opened_at - s.start).total_seconds() / 3600
                outcome.localised = segment == s.segment
        else:
            outcome.false_alarms += 1
    return outcome


def rescore(path: Path) -> list[Outcome]:
    """The outcomes of an earlier run (its --out file), scored again by the current rules."""
    outcomes = []
    for stored in json.loads(path.read_text()):
        fields = stored["scenario"]
        start = datetime.fromisoformat(fields["start"]) if fields["start"] else None
        outcome = score(Scenario(**{**fields, "start": start}), stored["alerts"])
        outcome.seconds = stored["seconds"]
        outcomes.append(outcome)
    return outcomes


def table(outcomes: list[Outcome]) -> str:
    """The README table: per incident kind, and overall."""
    lines = ["| incident | scenarios | recall (≤ 1 day) | localised | alerts per detected incident | median hours to detect |",
             "|---|---|---|---|---|---|"]
    groups: dict[str, list[Outcome]] = {}
    for o in outcomes:
        if o.scenario.kind:
            groups.setdefault(o.scenario.kind, []).append(o)
    every = [o for group in groups.values() for o in group]
    for name, group in [*sorted(groups.items()), ("all incidents", every)]:
        found = [o for o in group if o.detected]
        per = f"{sum(o.incident_alerts for o in found) / len(found):.2f}" if found else "–"
        hours = f"{statistics.median([o.hours_to_detect for o in found]):.1f}" if found else "–"
        lines.append(f"| {name} | {len(group)} | {len(found)}/{len(group)} = {len(found) / len(group):.0%} |"
                     f" {sum(o.localised for o in found)}/{len(found)} | {per} | {hours} |")
    by_size = {}
    for o in every:
        by_size.setdefault((o.scenario.magnitude, o.scenario.duration), []).append(o.detected)
    lines += ["", "| magnitude, duration | recall |", "|---|---|"]
    order = {"6h": 0, "1d": 1, "4d": 2}
    for (magnitude, duration), found in sorted(by_size.items(), key=lambda item: (item[0][0], order.get(item[0][1], 9))):
        lines.append(f"| {magnitude:g}x for {duration} | {sum(found)}/{len(found)} = {sum(found) / len(found):.0%} |")
    clean = [o for o in outcomes if not o.scenario.kind]
    weeks = sum(o.weeks for o in clean)
    other = sum(o.false_alarms for o in every)
    per_clean_week = f"{sum(o.false_alarms for o in clean) / weeks:.2f}" if weeks else "–"
    lines += ["", f"False alarms: {sum(o.false_alarms for o in clean)} in {len(clean)} clean scenarios"
                  f" ({weeks:.1f} scenario-weeks): {per_clean_week} per clean week;"
                  f" {other} on other metrics in the {len(every)} incident scenarios"
                  f" ({(f'{other / sum(o.weeks for o in every):.2f}' if every else '–')} per scenario-week)."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one scenario per kind and two clean ones")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--thresholds", type=Path, help="score this thresholds file instead of the packaged one")
    parser.add_argument("--only", help="comma-separated incident kinds (and `clean`) to run")
    parser.add_argument("--size", help="comma-separated magnitudes and durations to run, e.g. 5x1d,3x4d")
    parser.add_argument("--calls-per-day", type=int, default=2000)
    parser.add_argument("--ceiling", action="store_true",
                        help="print only the oracle's recall ceiling for the rate incidents (no checks run)")
    parser.add_argument("--margins", action="store_true",
                        help="print only what the null's room for noise costs the rate incidents (no checks run)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "alert_quality.json")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="keep each scenario's database in DIR (scenario-SEED.duckdb), with its check results")
    parser.add_argument("--rescore", type=Path, metavar="OUT_FILE",
                        help="score the alerts of an earlier run's --out file by the current rules (no checks run)")
    args = parser.parse_args()
    if args.rescore:
        print(table(rescore(args.rescore)))
        return
    suite = scenarios(args.quick)
    if args.only:
        wanted = set(args.only.split(","))
        suite = [s for s in suite if (s.kind or "clean") in wanted]
    if args.size:
        sizes = set(args.size.split(","))
        suite = [s for s in suite if not s.kind or f"{s.magnitude:g}x{s.duration}" in sizes]
    if args.ceiling:
        print(ceiling_table(suite, args.calls_per_day))
        return
    if args.margins:
        print(margins_table(suite, args.calls_per_day))
        return
    os.environ["ALERT_QUALITY_CALLS_PER_DAY"] = str(args.calls_per_day)  # the workers inherit it
    if args.thresholds:
        os.environ["ALERT_QUALITY_THRESHOLDS"] = str(args.thresholds.resolve())  # the workers inherit it
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        os.environ["ALERT_QUALITY_KEEP"] = str(args.keep.resolve())  # the workers inherit it
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(args.workers) as pool:
        outcomes = pool.map(run, suite, chunksize=1)
    print(table(outcomes))
    print(f"\n{len(outcomes)} scenarios in {time.perf_counter() - started:.0f} s"
          f" ({statistics.mean(o.seconds for o in outcomes):.0f} s each on {args.workers} workers)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps([asdict(o) for o in outcomes], default=str, indent=1))


if __name__ == "__main__":
    main()
