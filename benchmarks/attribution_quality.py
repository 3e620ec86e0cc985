"""Benchmark: does the weekly digest name the true cause of each regression? Scored over many
generated scenarios with confounders.

    python benchmarks/attribution_quality.py            # the full suite (README table)
    python benchmarks/attribution_quality.py --quick

Each scenario is two weeks of request logs at about 2,000 calls a day (the alert-quality
benchmark's traffic: 8 routes, 5 models, 16 tenants), with a release that goes out on every route
on Monday 09:00 of the second week (96 % of that week's calls), and one of:
  prompt             a prompt version rolled out on one route (to half or all of it) breaks parsing
  prompt_then_fix    ... and a fixed version replaces it a day or two later
  release            the release itself raises the error rate on every route from its rollout
  model_outage       one model times out for a day (not a version change)
  tenant_outage      one tenant's retrievals come back empty for a day (not a version change)
  fix_in_outage      a model times out for a day, and a prompt fix ships on a route in the middle of it
  mix_shift          traffic moves toward a route that always fails more (not a version change)
The digest of the second week is built, and its regressions are scored:
  right version   a version-caused scenario's metric is attributed to the version that caused it
  wrongly blamed  a scenario not caused by a version has its metric blamed on a version
"""

import argparse
import json
import multiprocessing
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import alert_quality as aq  # noqa: E402 (the same traffic)

START = aq.START  # a Monday; the digest week is the second
WEEK2 = START + timedelta(days=7)
RELEASE_AT = WEEK2 + timedelta(hours=9)
KINDS = {  # kind: (the metric, the version that caused it or None)
    "prompt": "parser_failure_rate",
    "prompt_then_fix": "parser_failure_rate",
    "release": "error_rate",
    "model_outage": "timeout_rate",
    "tenant_outage": "retrieval_empty_rate",
    "fix_in_outage": "timeout_rate",
    "mix_shift": "parser_failure_rate",
}


@dataclass
class Case:
    seed: int
    kind: str
    segment: str = ""
    at: float = 0.0  # hours into week 2 when the change or incident starts
    share: float = 1.0  # of the route a rolled-out prompt reaches


@dataclass
class Scored:
    case: Case
    cause: tuple[str, str] | None  # the version that caused it
    named: list[tuple[str, str, str]] = field(default_factory=list)  # (segment, dimension, value) blamed for the metric
    right: bool = False
    wrongly_blamed: bool = False
    texts: list[str] = field(default_factory=list)


def cases(quick: bool) -> list[Case]:
    rng = np.random.default_rng(20261203)
    out, seed = [], 5000
    for kind in KINDS:
        for _ in range(1 if quick else 6):
            seed += 1
            segment = {"prompt": sorted(aq.STRUCTURED), "prompt_then_fix": sorted(aq.STRUCTURED), "release": ["all"],
                       "model_outage": [m[0] for m in aq.MODELS], "fix_in_outage": [m[0] for m in aq.MODELS],
                       "tenant_outage": aq.TENANTS[:6], "mix_shift": ["extract"]}[kind]
            out.append(Case(seed, kind, str(rng.choice(segment)), float(rng.uniform(26, 80)),
                            float(rng.choice([0.5, 1.0]))))
    return out


def generate(c: Case, path: Path) -> None:
    import duckdb
    import pyarrow as pa

    rng = np.random.default_rng(c.seed)
    hours = np.arange(14 * 24)
    diurnal = 0.35 + np.sin(np.clip((hours % 24 - 6) / 16, 0, 1) * np.pi) ** 2
    per_hour = rng.poisson(2000 / 24 * diurnal / diurnal.mean())
    n = int(per_hour.sum())
    ts = START.timestamp() + np.repeat(hours, per_hour) * 3600 + rng.uniform(0, 3600, n)
    weights = np.array(aq.ROUTE_WEIGHTS)
    route = rng.choice(len(aq.ROUTES), n, p=weights)
    if c.kind == "mix_shift":  # in week 2, extract takes three times its share
        shifted = weights.copy()
        shifted[aq.ROUTES.index("extract")] *= 3
        late = ts >= WEEK2.timestamp()
        route[late] = rng.choice(len(aq.ROUTES), late.sum(), p=shifted / shifted.sum())
    routes = np.array(aq.ROUTES)[route]
    model = np.array([aq.MODELS[aq.ROUTE_MODELS[r][int(p)]][0] for r, p in zip(routes, rng.random(n) < 0.5)])
    tenant_w = 1 / np.arange(1, 17) ** 0.7
    tenant = np.array(aq.TENANTS)[rng.choice(16, n, p=tenant_w / tenant_w.sum())]
    at = WEEK2.timestamp() + c.at * 3600
    release = np.where((ts >= RELEASE_AT.timestamp()) & (rng.random(n) < 0.96), "r2", "r1")
    prompt = np.char.add(routes.astype(str), "-v1")
    parse_fail = np.where(routes == "extract", 0.06 if c.kind == "mix_shift" else 0.015, 0.015)
    timeout, error, empty = np.full(n, 0.01), np.full(n, 0.01), np.full(n, 0.03)
    if c.kind in ("prompt", "prompt_then_fix"):
        rolled = (routes == c.segment) & (ts >= at) & (rng.random(n) < c.share)
        fixed = rolled & (ts >= at + 36 * 3600) if c.kind == "prompt_then_fix" else np.zeros(n, bool)
        prompt = np.where(rolled, f"{c.segment}-v2", prompt)
        prompt = np.where(fixed, f"{c.segment}-v3", prompt)
        parse_fail = np.where(rolled & ~fixed, 0.10, parse_fail)
    if c.kind == "release":
        error = np.where(release == "r2", 0.05, error)
    if c.kind in ("model_outage", "fix_in_outage"):
        timeout = np.where((model == c.segment) & (ts >= at) & (ts < at + 86400), 0.10, timeout)
    if c.kind == "fix_in_outage":  # a prompt fix on a route of that model, twelve hours in
        route_of = next(r for r, ms in aq.ROUTE_MODELS.items() if aq.MODELS[ms[0]][0] == c.segment
                        or aq.MODELS[ms[1]][0] == c.segment)
        prompt = np.where((routes == route_of) & (ts >= at + 12 * 3600), f"{route_of}-v2", prompt)
    if c.kind == "tenant_outage":
        empty = np.where((tenant == c.segment) & (ts >= at) & (ts < at + 86400), 0.25, empty)
    u = rng.random(n)
    status = np.where(u < timeout, "timeout", np.where(u < timeout + error, "error", "ok"))
    ok = status == "ok"
    structured = np.isin(routes, list(aq.STRUCTURED))
    retrieval = np.isin(routes, list(aq.RETRIEVAL))
    table = pa.table({
        "request_id": [f"a{c.seed}-{i}" for i in range(n)],
        "timestamp": pa.array((ts * 1e6).astype("int64"), pa.timestamp("us", tz="UTC")),
        "route": routes, "model": model, "status": status, "tenant": tenant,
        "latency_ms": np.round(rng.lognormal(7, 0.4, n), 1), "release": release, "prompt_version": prompt,
        "structured_output": structured,
        "parse_ok": pa.array(np.where(structured & ok, rng.random(n) >= parse_fail, None), pa.bool_()),
        "retrieval_used": retrieval,
        "retrieved_docs": pa.array(np.where(retrieval & ok, np.where(rng.random(n) < empty, 0, 3), None), pa.int64()),
    })
    con = duckdb.connect()
    con.register("calls", table)
    con.execute("set TimeZone = 'UTC'")
    con.execute(f"copy (select * replace (strftime(timestamp, '%Y-%m-%dT%H:%M:%S.%fZ') as timestamp) from calls"
                f" order by timestamp) to '{path}' (format json)")  # a temporary path this script names
    con.close()


def cause_of(c: Case) -> tuple[str, str] | None:
    if c.kind in ("prompt", "prompt_then_fix"):
        return ("prompt_version", f"{c.segment}-v2")
    if c.kind == "release":
        return ("release", "r2")
    return None


def run(c: Case) -> Scored:
    from llm_vitals import db, pipeline
    from llm_vitals.reports import digest
    from llm_vitals.settings import Settings

    with tempfile.TemporaryDirectory(prefix="attribution-") as folder:
        logs = Path(folder) / "calls.jsonl"
        generate(c, logs)
        settings = Settings(db=Path(folder) / "v.duckdb", read_copy=False, data_docs_dir=None)
        pipeline.ingest_sources(settings, [str(logs)])
        pipeline.compute_metrics(settings)
        con = db.connect(settings.db)
        year, week, _ = WEEK2.isocalendar()
        built = digest.build(con, f"{year}-W{week:02d}", top=20)
        con.close()
    metric, cause = KINDS[c.kind], cause_of(c)
    scored = Scored(c, cause)
    for r in built.regressions:
        a = r.attribution
        if r.metric == metric:
            scored.texts.append(a.text)
            if a.kind == "version":
                scored.named += [(r.segment, a.dimension, v) for v in a.values]
    if cause is not None:
        scored.right = bool(scored.named) and all((d, v) == cause for _, d, v in scored.named)
    else:
        scored.wrongly_blamed = bool(scored.named)
    return scored


def table(results: list[Scored]) -> str:
    lines = ["| scenario | cases | caused by a version | its metric regressed in the digest | named the right version |"
             " blamed a version wrongly |", "|---|---|---|---|---|---|"]
    for kind in KINDS:
        group = [r for r in results if r.case.kind == kind]
        caused = group and group[0].cause is not None
        shown = [r for r in group if r.texts]
        right = f"{sum(r.right for r in shown)}/{len(shown)}" if caused else "–"
        wrong = f"{sum(r.wrongly_blamed for r in group)}/{len(group)}" if not caused else "–"
        lines.append(f"| {kind} | {len(group)} | {'yes' if caused else 'no'} | {len(shown)}/{len(group)} | {right} | {wrong} |")
    version = [r for r in results if r.cause is not None and r.texts]  # the regressions the digest reported
    other = [r for r in results if r.cause is None]
    lines += ["", f"Version-caused regressions attributed to the right version: {sum(r.right for r in version)}/{len(version)}"
                  f" = {sum(r.right for r in version) / len(version):.0%} (target ≥ 90 %). Non-version incidents blamed on a"
                  f" version: {sum(r.wrongly_blamed for r in other)}/{len(other)} (target 0)."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "attribution_quality.json")
    args = parser.parse_args()
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(args.workers) as pool:
        results = pool.map(run, cases(args.quick), chunksize=1)
    print(table(results))
    print(f"\n{len(results)} scenarios in {time.perf_counter() - started:.0f} s")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps([asdict(r) for r in results], default=str, indent=1))


if __name__ == "__main__":
    main()
