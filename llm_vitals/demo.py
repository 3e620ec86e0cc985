"""`llm-vitals demo`: realistic request logs with known incidents, run through the pipeline.

The logs are generated in bulk (numpy, then DuckDB writes JSON Lines): about 2,000 calls a day over
7 routes, 5 models from 3 providers and 12 tenants, with two-call tasks and three incidents:
  - prompt_version v8 of route `extract` (rolled out on day 9, 10:00 UTC; replaced by the fixed v9 on
    day 11, 12:00) breaks parsing: 9 % vs 1 %;
  - model gemini-2.5-flash times out on 12 % of calls on day 11, 06:00-22:00 UTC (1 % otherwise);
  - tenant t04's retrieval comes back empty for 40 % of calls on day 12 (3 % otherwise);
plus a few malformed lines and re-sent duplicates. `incidents=False` leaves the incidents out.
"""

import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from llm_vitals import db, pipeline, report, sqlfiles
from llm_vitals.settings import Settings

ROUTES = ("chat", "extract", "summarize", "classify", "search-qa", "code-assist", "support-agent")
ROUTE_WEIGHTS = (0.24, 0.16, 0.14, 0.10, 0.16, 0.10, 0.10)
STRUCTURED_ROUTES = ("extract", "classify", "support-agent")
RETRIEVAL_ROUTES = ("search-qa", "support-agent", "chat")
MODELS = (  # (provider, model, median latency ms)
    ("openai", "gpt-4o-mini", 700.0),
    ("openai", "gpt-4.1", 1900.0),
    ("anthropic", "claude-sonnet-4-5", 2400.0),
    ("anthropic", "claude-3-5-haiku-latest", 900.0),
    ("google", "gemini-2.5-flash", 800.0),
)
ROUTE_MODELS = {  # the models each route is served by, with their shares
    "chat": ((0, 0.6), (3, 0.4)),
    "extract": ((0, 0.5), (4, 0.5)),
    "summarize": ((4, 0.7), (3, 0.3)),
    "classify": ((0, 0.5), (4, 0.5)),
    "search-qa": ((1, 0.5), (4, 0.5)),
    "code-assist": ((2, 0.8), (1, 0.2)),
    "support-agent": ((2, 0.5), (1, 0.5)),
}
TENANTS = tuple(f"t{n:02d}" for n in range(1, 13))
CALLS_PER_DAY = 2000
ROLLOUT_DAY, FIX_DAY, TIMEOUT_DAY, OUTAGE_DAY = 8, 10, 10, 11  # 0-based day offsets: days 9, 11, 11 and 12
RELEASE_DAY = 7  # the release 2026.11.2 goes out on day 8 at 09:00


@dataclass
class DemoPaths:
    """Where the demo writes."""

    logs: Path
    db: Path


def generate(out_dir: Path, *, days: int = 14, end: datetime | None = None, seed: int = 7, incidents: bool = True) -> Path:
    """Writes one JSON Lines file per day into out_dir/logs; returns that folder."""
    end = (end or datetime.now(UTC)).replace(hour=0, minute=0, second=0, microsecond=0)
    start = end - timedelta(days=days)
    rng = np.random.default_rng(seed)
    table = _calls(rng, start, days, incidents)
    logs = out_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    db.run(con, "session_utc")
    con.register("calls", table)
    for day in range(days):
        day_start = start + timedelta(days=day)
        path = logs / f"requests-{day_start:%Y-%m-%d}.jsonl"
        db.run(con, "demo_write_day", day=day, path=path.as_posix())
    con.close()
    _add_flaws(logs, start, rng)
    return logs


def run(settings: Settings, *, days: int = 14) -> DemoPaths:
    """Generates the demo logs, runs ingest and metrics into the demo database, prints the findings."""
    out_dir = settings.demo_dir
    db_path = out_dir / "llm-vitals.duckdb"
    for stale in (db_path, db_path.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    logs = generate(out_dir, days=days, end=_this_monday())
    demo_settings = settings.model_copy(update={"db": db_path})
    print(f"Wrote {days} days of request logs to {logs}/")
    print(report.ingest_text(pipeline.ingest_sources(demo_settings, [str(logs)])))
    print(report.metrics_text(pipeline.compute_metrics(demo_settings)))
    logs_end = _end_of(logs)
    _print_alerts(demo_settings, logs_end=logs_end)
    _print_digest(demo_settings, logs_end)
    _print_findings(db_path, outage_checked_at=logs_end - timedelta(days=days - OUTAGE_DAY - 1))
    return DemoPaths(logs, db_path)


def _this_monday() -> datetime:
    """This week's Monday 00:00 UTC: the demo's logs end there, so its second week is the last
    complete ISO week (the one `digest` shows by default)."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=today.weekday())


def _end_of(logs: Path) -> datetime:
    last_day = sorted(logs.glob("requests-*.jsonl"))[-1].stem.removeprefix("requests-")
    return datetime.fromisoformat(last_day).replace(tzinfo=UTC) + timedelta(days=1)


def _print_alerts(settings: Settings, *, logs_end: datetime) -> None:
    """Runs the checks at each midnight of the last week, as a daily schedule would, and lists the alerts."""
    quiet = settings.model_copy(update={"slack_bot_token": None, "slack_webhook_url": None, "data_docs_dir": None})
    for day in range(7, -1, -1):
        pipeline.run_checks(quiet, logs_end - timedelta(days=day), great_expectations=False)
    con = duckdb.connect(str(settings.db), read_only=True)
    try:
        rows = db.fetch(con, "demo_alerts")
    finally:
        con.close()
    print(f"\nAlerts from `llm-vitals check` run at each midnight of the last week ({len(rows)}):")
    for metric, dimension, segment, opened_at, resolved_at, also in rows:
        until = f"resolved {resolved_at:%Y-%m-%d %H:%M}" if resolved_at else "still open"
        print(f"  {metric} on {dimension} {segment}: opened {opened_at:%Y-%m-%d %H:%M}, {until}")
        if also:
            print(f"      also seen in: {', '.join(also[:8])}" + (f", … and {len(also) - 8} more" if len(also) > 8 else ""))


def _print_digest(settings: Settings, logs_end: datetime) -> None:
    """Prints the top regressions of the last week's digest, each with its cause."""
    year, week, _ = (logs_end - timedelta(days=1)).isocalendar()
    quiet = settings.model_copy(update={"slack_bot_token": None, "slack_webhook_url": None, "slack_token_secret_block": None})
    built, _ = pipeline.weekly_digest(quiet, f"{year}-W{week:02d}")
    print(f"\nWhat the weekly digest of {built.week} says caused each regression (`llm-vitals digest`):")
    for r in built.regressions:
        print(f"  - {r.attribution.text}")
    if not built.regressions:
        print("  no regression this week")


def _calls(rng: np.random.Generator, start: datetime, days: int, incidents: bool) -> pa.Table:
    n_tasks = CALLS_PER_DAY * days * 10 // 13  # 30 % of tasks make a second call
    hour_weights = 0.4 + np.sin(np.linspace(0, np.pi, 24)) ** 2  # busier in the (UTC) day
    day = rng.integers(0, days, n_tasks)
    hour = rng.choice(24, n_tasks, p=hour_weights / hour_weights.sum())
    offset_us = (day * 86400 + hour * 3600) * 1_000_000 + rng.integers(0, 3600 * 1_000_000, n_tasks)
    route = rng.choice(len(ROUTES), n_tasks, p=ROUTE_WEIGHTS)
    tenant_weights = 1 / np.arange(1, len(TENANTS) + 1) ** 0.6
    tenant = rng.choice(len(TENANTS), n_tasks, p=tenant_weights / tenant_weights.sum())
    second = rng.random(n_tasks) < 0.3
    # one row per call: every task's first call, then the second calls 2-40 s later
    task = np.concatenate([np.arange(n_tasks), np.flatnonzero(second)])
    call_no = np.concatenate([np.zeros(n_tasks, int), np.ones(second.sum(), int)])
    ts_us = offset_us[task] + call_no * rng.integers(2_000_000, 40_000_000, len(task))
    n = len(task)
    route, tenant, day = route[task], tenant[task], (ts_us // 86_400_000_000)
    model = np.empty(n, int)
    for r, choices in ROUTE_MODELS.items():
        rows = route == ROUTES.index(r)
        ids, shares = zip(*choices)
        model[rows] = rng.choice(ids, rows.sum(), p=shares)
    rollout_us = (ROLLOUT_DAY * 24 + 10) * 3_600_000_000
    fix_us = (FIX_DAY * 24 + 12) * 3_600_000_000
    is_extract = route == ROUTES.index("extract")
    extract_version = np.where(ts_us >= fix_us, "v9", np.where(ts_us >= rollout_us, "v8", "v7"))
    prompt_version = np.where(is_extract, extract_version, "v3")
    # status: 1 % timeouts, 0.5 % errors, 0.3 % rate limits; the incident lifts gemini timeouts
    incident = incidents & (model == 4) & (ts_us >= (TIMEOUT_DAY * 24 + 6) * 3_600_000_000) & (
        ts_us < (TIMEOUT_DAY * 24 + 22) * 3_600_000_000)
    u = rng.random(n)
    timeout_p = np.where(incident, 0.12, 0.01)
    status = np.select(
        [u < timeout_p, u < timeout_p + 0.005, u < timeout_p + 0.008, u < timeout_p + 0.009],
        ["timeout", "error", "rate_limited", "cancelled"],
        "ok",
    )
    base_latency = np.array([m[2] for m in MODELS])[model]
    input_tokens = rng.lognormal(np.log(1800), 0.6, n).astype(np.int64) + 50
    output_tokens = rng.lognormal(np.log(250), 0.7, n).astype(np.int64) + 5
    latency = base_latency * rng.lognormal(0, 0.35, n) * (0.8 + output_tokens / 1000)
    latency = np.where(status == "timeout", 30000.0 + rng.random(n) * 100, latency).round(1)
    structured = np.isin(route, [ROUTES.index(r) for r in STRUCTURED_ROUTES])
    parse_fail_p = np.where(incidents & is_extract & (prompt_version == "v8"), 0.09, 0.01)
    parse_ok = rng.random(n) >= parse_fail_p
    retrieval = np.isin(route, [ROUTES.index(r) for r in RETRIEVAL_ROUTES])
    outage = incidents & (tenant == TENANTS.index("t04")) & (day == OUTAGE_DAY)
    empty = rng.random(n) < np.where(outage, 0.40, 0.03)
    docs = np.where(empty, 0, rng.integers(1, 9, n))
    ok = status == "ok"
    last_call = (call_no == 1) | ~second[task]
    task_success = np.where(last_call, ok & (parse_ok | ~structured) & (rng.random(n) < 0.93), None)
    has_cost = rng.random(n) < 0.5  # half the apps log their cost; the rest is priced by genai-prices
    cost = _list_price(model, input_tokens, output_tokens)
    tool_calls = np.where(route == ROUTES.index("support-agent"), rng.integers(0, 4, n), None)
    tool_errors = np.where(tool_calls != None, rng.binomial(1, 0.05, n), None)  # noqa: E711
    return pa.table(
        {
            "request_id": [f"req-{i:07d}" for i in rng.permutation(n)],
            "timestamp": pa.array(ts_us + int(start.timestamp() * 1_000_000), pa.timestamp("us", tz="UTC")),
            "route": np.array(ROUTES)[route],
            "model": np.array([m[1] for m in MODELS])[model],
            "provider": np.array([m[0] for m in MODELS])[model],
            "status": status,
            "latency_ms": latency,
            "ttft_ms": pa.array(np.where(ok, (latency * rng.uniform(0.1, 0.3, n)).round(1), np.nan), from_pandas=True),
            "tenant": np.array(TENANTS)[tenant],
            "task_id": [f"task-{t:07d}" for t in task],
            "task_success": pa.array(task_success.tolist(), pa.bool_()),
            "input_tokens": input_tokens,
            "output_tokens": np.where(ok, output_tokens, 0),
            "cost_usd": pa.array(np.where(has_cost, cost, np.nan).round(8), from_pandas=True),
            "structured_output": structured,
            "parse_ok": pa.array(np.where(structured & ok, parse_ok, None).tolist(), pa.bool_()),
            "retrieval_used": retrieval,
            "retrieved_docs": pa.array(np.where(retrieval, docs, None).tolist(), pa.int64()),
            "tool_calls": pa.array(tool_calls.tolist(), pa.int64()),
            "tool_errors": pa.array(tool_errors.tolist(), pa.int64()),
            "prompt_version": prompt_version,
            # a release on every route, Monday 09:00 of the second week: it runs through all three incidents
            "release": np.where(ts_us >= (RELEASE_DAY * 24 + 9) * 3_600_000_000, "2026.11.2", "2026.11.1"),
            "day": day,
            "ts_us": ts_us,
        }
    )


def _list_price(model: np.ndarray, input_tokens: np.ndarray, output_tokens: np.ndarray) -> np.ndarray:
    """Returns what an app would log as cost: list prices per million tokens (input, output)."""
    per_mtok = np.array([(0.15, 0.60), (2.0, 8.0), (3.0, 15.0), (0.8, 4.0), (0.3, 2.5)])[model]
    return (input_tokens * per_mtok[:, 0] + output_tokens * per_mtok[:, 1]) / 1e6


def _add_flaws(logs: Path, start: datetime, rng: np.random.Generator) -> None:
    """Appends what real logs have: malformed lines and a few re-sent records."""
    first = sorted(logs.glob("*.jsonl"))[0]
    last = sorted(logs.glob("*.jsonl"))[-1]
    resent = first.read_text(encoding="utf-8").splitlines()[:20]
    flawed = [
        "not json at all",
        '{"request_id": "bad-1", "timestamp": "yesterday", "route": "chat", "model": "gpt-4o-mini", "status": "ok", "latency_ms": 5}',
        '{"request_id": "bad-2", "timestamp": "%s", "route": "chat", "model": "gpt-4o-mini", "status": "ok", "latency_ms": -3}'
        % (start + timedelta(days=13, hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        '{"request_id": "bad-3", "timestamp": "%s", "route": "chat", "status": "ok", "latency_ms": 12}'
        % (start + timedelta(days=13, hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        '["an", "array"]',
    ]
    with last.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(flawed + resent) + "\n")


def _print_findings(db_path: Path, *, outage_checked_at: datetime) -> None:
    from llm_vitals.query import render, run_query

    findings = (
        ("Parser failures on route `extract` by prompt version (v8: day 9 10:00 to day 11 12:00):", "demo_finding_parser"),
        ("Timeout rate by model, worst hours:", "demo_finding_timeouts"),
        ("Retrieval-empty rate by tenant, worst days:", "demo_finding_retrieval"),
        ("Cost per successful task by route (last 7 days):", "demo_finding_cost"),
    )
    for title, name in findings:
        print(f"\n{title}")
        print(render(run_query(db_path, sqlfiles.load(name)), "table"), end="")
    print(
        f"""
Next, try:
  llm-vitals check --db {db_path} --as-of {outage_checked_at:%Y-%m-%dT%H:%M:%SZ}   # the tenant t04 outage
  llm-vitals query --db {db_path} "select * from metrics_daily where dimension = 'route' order by window_start desc limit 20"
  llm-vitals query --db {db_path} "select reason, count(*) from rejected_records group by reason"
  {sys.executable} -c "import duckdb; duckdb.connect('{db_path}', read_only=True).sql('show tables').show(max_rows=100)"
(the DuckDB CLI, if you install it, opens the same file: duckdb -readonly {db_path}; see README "Querying")
"""
    )
