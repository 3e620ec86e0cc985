"""Benchmark: `llm-vitals ingest` and `metrics` against DuckDB floors measured in the same run.

    python benchmarks/ingest_metrics.py            # 2 million rows (and 1 million for the slope)
    python benchmarks/ingest_metrics.py --large    # 10 million rows (and 5 million)

Measures, each in a fresh process and database file:
  floor     DuckDB read_json with the columns given, straight into a table (no validation)
  ingest    `llm-vitals ingest` at N/2 and N rows of clean lines, and of lines 1 % of which are
            rejected: marginal seconds per row (slope); and of a one-line file: the start-up
            (process, imports, connection, schema)
  metrics   `llm-vitals metrics --full` against one hand-written GROUPING SETS query over the same
            grains and dimensions (exact quantiles, rates, cost, task metrics)
Steps alternate: each round runs the floor and both ingests at both sizes, then metrics and the
hand-written query, one after another, so that a load spike on this shared machine hits one round
rather than one step. Each round gives its own ratios (slope against slope, metrics against the
hand-written query); the medians of the rounds' ratios are reported.
Targets (issue 15): marginal ingest cost per row <= 1.8x the floor's on clean files, <= 2.5x with
1 % rejects, start-up <= 1 s, peak memory <= 2 GiB at 10 million rows; (issue 2) metrics <= 1.5x
the hand-written query.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

GENERATE = """
copy (
    select
        'req-' || i as request_id,
        strftime(timestamp '2026-10-01' + to_microseconds(i * (2592000000000 // $n)), '%Y-%m-%dT%H:%M:%S.%fZ') as timestamp,
        'route-' || (hash(i, 1) % 8) as route,
        ['gpt-4o-mini', 'gpt-4.1', 'claude-sonnet-4-5', 'claude-3-5-haiku-latest', 'gemini-2.5-flash'][(1 + hash(i, 2) % 5)::bigint] as model,
        ['openai', 'openai', 'anthropic', 'anthropic', 'google'][(1 + hash(i, 2) % 5)::bigint] as provider,
        case when hash(i, 3) % 100 < 2 then 'timeout' when hash(i, 3) % 100 < 3 then 'error' else 'ok' end as status,
        case when {rejects} and hash(i, 20) % 100 = 0 then -1
             else round(200 + (hash(i, 4) % 500000) / 100.0, 2) end as latency_ms,
        round(50 + (hash(i, 14) % 50000) / 100.0, 2) as ttft_ms,
        'tenant-' || (hash(i, 5) % 16) as tenant,
        'task-' || (i // 2) as task_id,
        (hash(i, 6) % 10) > 1 as task_success,
        100 + hash(i, 7) % 4000 as input_tokens,
        10 + hash(i, 8) % 800 as output_tokens,
        case when hash(i, 9) % 2 = 0 then round((hash(i, 12) % 100000) / 1e8, 8) end as cost_usd,
        (hash(i, 10) % 4) = 0 as structured_output,
        (hash(i, 11) % 25) > 0 as parse_ok,
        'v' || (hash(i, 13) % 4) as prompt_version,
        'rel-' || (i * 4 // $n) as release,
        (hash(i, 15) % 3) = 0 as retrieval_used,
        hash(i, 16) % 6 as retrieved_docs
    from range($n) as t(i)
) to '{path}' (format json)
"""

FLOOR_COLUMNS = {
    "request_id": "VARCHAR", "timestamp": "TIMESTAMPTZ", "route": "VARCHAR", "model": "VARCHAR",
    "provider": "VARCHAR", "status": "VARCHAR", "latency_ms": "DOUBLE", "ttft_ms": "DOUBLE", "tenant": "VARCHAR",
    "task_id": "VARCHAR", "task_success": "BOOLEAN", "input_tokens": "BIGINT", "output_tokens": "BIGINT",
    "cost_usd": "DECIMAL(18,12)", "structured_output": "BOOLEAN", "parse_ok": "BOOLEAN", "prompt_version": "VARCHAR",
    "release": "VARCHAR", "retrieval_used": "BOOLEAN", "retrieved_docs": "BIGINT",
}

FLOOR = """
create table requests as
select * from read_json('{path}', format = 'newline_delimited', columns = {columns})
"""

HAND_WRITTEN_METRICS = """
create table hand_metrics as
with tasks as (
    select
        arg_min({'started_at': started_at, 'route': route, 'tenant': tenant}, {'at': started_at, 'id': request_id}) as first_call,
        arg_max(task_success, {'at': started_at, 'id': request_id}) filter (where task_success is not null) as outcome,
        sum(cost_usd) as cost_usd
    from requests
    group by task_id
),
task_metrics as (
    select
        date_trunc('hour', first_call.started_at) as hour_start, date_trunc('day', first_call.started_at) as day_start,
        date_trunc('week', first_call.started_at) as week_start, first_call.route as route, first_call.tenant as tenant,
        count(outcome) filter (where outcome) / nullif(count(outcome), 0) as task_success_rate,
        sum(cost_usd) / nullif(count(*) filter (where outcome), 0) as cost_per_successful_task_usd
    from tasks
    group by grouping sets ((hour_start), (hour_start, route), (hour_start, tenant), (day_start), (day_start, route),
                            (day_start, tenant), (week_start), (week_start, route), (week_start, tenant))
),
calls as (
    select date_trunc('hour', started_at) as hour_start, date_trunc('day', started_at) as day_start,
           date_trunc('week', started_at) as week_start, route, model,
           coalesce(prompt_version, '') as prompt_version, coalesce(tenant, '') as tenant,
           status, latency_ms, ttft_ms, input_tokens, output_tokens, cost_usd, structured_output, parse_ok,
           retrieval_used, retrieved_docs
    from requests
)
select
    hour_start, day_start, week_start, route, model, prompt_version, tenant,
    count(*) as requests,
    count(*) filter (where status <> 'ok') / count(*) as error_rate,
    count(*) filter (where status = 'timeout') / count(*) as timeout_rate,
    quantile_cont(latency_ms, [0.5, 0.9, 0.95, 0.99]) filter (where status = 'ok') as latency_q,
    quantile_cont(ttft_ms, [0.5, 0.95]) filter (where status = 'ok') as ttft_q,
    sum(input_tokens), sum(output_tokens), sum(cost_usd), count(cost_usd),
    count(*) filter (where structured_output and not parse_ok) / nullif(count(*) filter (where structured_output), 0),
    count(*) filter (where retrieval_used and retrieved_docs = 0) / nullif(count(*) filter (where retrieval_used), 0),
    null as task_success_rate, null as cost_per_successful_task_usd
from calls
group by grouping sets (
    (hour_start), (hour_start, route), (hour_start, model), (hour_start, prompt_version), (hour_start, tenant),
    (day_start), (day_start, route), (day_start, model), (day_start, prompt_version), (day_start, tenant),
    (week_start), (week_start, route), (week_start, model), (week_start, prompt_version), (week_start, tenant)
)
union all by name
select * from task_metrics
"""

# Runs one step in a fresh process and reports its seconds (work only) and peak RSS.
RUNNER = """
import json, resource, sys, time
started = time.perf_counter()
kind, db_path, arg = sys.argv[1], sys.argv[2], sys.argv[3]
if kind == "cli":
    from llm_vitals.cli import main
    code = main(json.loads(arg) + ["--db", db_path])
    assert code == 0, code
else:
    import duckdb
    con = duckdb.connect(db_path)
    con.execute("set TimeZone = 'UTC'")
    con.execute(arg)
    con.close()
print(json.dumps({"seconds": time.perf_counter() - started,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def step(kind: str, db_path: Path, arg: str, pristine: Path | None = None) -> dict:
    """Runs one step once in a fresh process, on a fresh database (a copy of `pristine` if given);
    returns its wall seconds (process start to exit) and peak RSS."""
    db_path.unlink(missing_ok=True)
    if pristine is not None:
        shutil.copyfile(pristine, db_path)
    return _step_once(kind, db_path, arg)


def _step_once(kind: str, db_path: Path, arg: str) -> dict:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, kind, str(db_path), arg],
        check=False, capture_output=True, text=True,
        env={**os.environ, "LLM_VITALS_THREADS": "", "LLM_VITALS_READ_COPY": "false"} | _threads(),  # measured apart
    )
    if done.returncode:
        sys.exit(f"step {kind} {arg[:200]} on {db_path} failed (exit {done.returncode}):\n{done.stdout}{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_seconds"] = time.perf_counter() - started
    return result


def _threads() -> dict:
    return {"LLM_VITALS_THREADS": str(os.cpu_count() or 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--large", action="store_true", help="10 million rows instead of 2 million")
    parser.add_argument("--rows", type=int, help="rows for the large size (overrides --large)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--dir", type=Path, help="working folder (default: a temporary one)")
    args = parser.parse_args()
    n = args.rows or (10_000_000 if args.large else 2_000_000)
    work = args.dir or Path(tempfile.mkdtemp(prefix="llm-vitals-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    files = {}
    for rejects in (False, True):
        for size in (n // 2, n):
            path = work / f"logs-{size}{'-rejects' if rejects else ''}.jsonl"
            if not path.exists():
                gen = duckdb.connect()
                gen.execute(GENERATE.replace("{path}", str(path)).replace("$n", str(size))
                            .replace("{rejects}", str(rejects).lower()))
                gen.close()
            files[(rejects, size)] = path
    os.sync()  # the generated files' writeback would otherwise compete with the first measurements
    columns = "{" + ", ".join(f"'{k}': '{v}'" for k, v in FLOOR_COLUMNS.items()) + "}"
    one_line = work / "logs-1.jsonl"
    one_line.write_text(files[(False, n // 2)].open().readline())
    big_db, pristine = work / f"ingest-{n}.duckdb", work / f"ingested-{n}.duckdb"
    rounds = []
    for number in range(args.rounds):
        r: dict = {}
        for size in (n // 2, n):
            r[("floor", size)] = step("sql", work / "floor.duckdb",
                                      FLOOR.replace("{path}", str(files[(False, size)])).replace("{columns}", columns))
            r[("ingest", size)] = step("cli", work / "ingest.duckdb", json.dumps(["ingest", str(files[(False, size)])]))
            r[("rejects", size)] = step("cli", work / "rejects.duckdb",
                                        json.dumps(["ingest", str(files[(True, size)])]))
        r[("startup", 1)] = step("cli", work / "ingest-1.duckdb", json.dumps(["ingest", str(one_line)]))
        if number == 0:
            shutil.copyfile(work / "ingest.duckdb", pristine)  # the clean N-row ingest, metrics not yet computed
        r[("metrics", n)] = step("cli", big_db, json.dumps(["metrics", "--full"]), pristine)
        r[("hand", n)] = step("sql", work / f"hand-{n}.duckdb", HAND_WRITTEN_METRICS, pristine)
        rounds.append(r)
        print(f"round {number + 1}: " + ", ".join(f"{name} {size:,} {v['wall_seconds']:.2f} s"
                                                 for (name, size), v in r.items()), file=sys.stderr)
    report(n, rounds, files[(False, n)].stat().st_size)
    print(read_copy(big_db, statistics.median(r[("ingest", n)]["wall_seconds"] for r in rounds)))


def read_copy(db_path: Path, ingest_seconds: float) -> str:
    """Times publishing the read copy of the ingested and computed database (median of 3)."""
    from llm_vitals import db

    os.sync()
    con = db.connect(db_path)
    try:
        seconds = statistics.median(db.publish_read_copy(con, db_path, db_path.with_name("read-copy.duckdb"))
                                    for _ in range(3))
    finally:
        con.close()
    size = db_path.stat().st_size / 2**20
    return (f"\nRead copy: {seconds:.2f} s to publish {size:,.0f} MB (checkpoint, copy, fsync, rename),"
            f" {seconds / ingest_seconds:.0%} of the time to ingest the same rows.")


def report(n: int, rounds: list[dict], file_bytes: int) -> None:
    half = n // 2

    def slope(r: dict, name: str) -> float:
        return (r[(name, n)]["wall_seconds"] - r[(name, half)]["wall_seconds"]) / (n - half)

    clean = [slope(r, "ingest") / slope(r, "floor") for r in rounds]
    rejects = [slope(r, "rejects") / slope(r, "floor") for r in rounds]
    metrics = [r[("metrics", n)]["wall_seconds"] / r[("hand", n)]["wall_seconds"] for r in rounds]
    startup = statistics.median(r[("startup", 1)]["wall_seconds"] for r in rounds)
    floor_slope = statistics.median(slope(r, "floor") for r in rounds)
    peak = max(v["peak_rss_mb"] for r in rounds for (name, _), v in r.items() if name not in ("floor", "hand"))

    def listed(ratios: list[float]) -> str:
        return ", ".join(f"{x:.2f}" for x in ratios)

    labels = {"floor": "floor: read_json → table", "ingest": "llm-vitals ingest", "rejects": "llm-vitals ingest, 1 % rejects",
              "startup": "llm-vitals ingest (start-up)", "metrics": "llm-vitals metrics --full",
              "hand": "hand-written metrics query"}
    lines = [
        f"Rows: {n:,} ({file_bytes / n:.0f} bytes a JSON line); {os.cpu_count()} cores; {len(rounds)} alternating"
        " rounds; wall seconds (median of the rounds) include process start.",
        "",
        "| step | rows | seconds | peak RSS (MB) |",
        "|---|---|---|---|",
    ]
    for key in rounds[0]:
        seconds = statistics.median(r[key]["wall_seconds"] for r in rounds)
        lines.append(f"| {labels[key[0]]} | {key[1]:,} | {seconds:.2f} | {max(r[key]['peak_rss_mb'] for r in rounds):.0f} |")
    clean_ratio, rejects_ratio, metrics_ratio = (statistics.median(x) for x in (clean, rejects, metrics))
    lines += [
        "",
        f"Floor slope {floor_slope * 1e6:.2f} µs a row (median). Ratios are medians of the rounds' ratios.",
        "",
        "| target | measured (each round) | met |",
        "|---|---|---|",
        f"| ingest marginal cost per row ≤ 1.8× floor (clean) | {clean_ratio:.2f}× ({listed(clean)}) | {'yes' if clean_ratio <= 1.8 else 'NO'} |",
        f"| ingest marginal cost per row ≤ 2.5× floor (1 % rejects) | {rejects_ratio:.2f}× ({listed(rejects)}) | {'yes' if rejects_ratio <= 2.5 else 'NO'} |",
        f"| ingest start-up ≤ 1 s | {startup:.2f} s (one-line file) | {'yes' if startup <= 1 else 'NO'} |",
        f"| metrics ≤ 1.5× hand-written query | {metrics_ratio:.2f}× ({listed(metrics)}) | {'yes' if metrics_ratio <= 1.5 else 'NO'} |",
        f"| peak memory ≤ 2 GiB (at 10 M rows) | {peak:.0f} MB at {n:,} rows | {'yes' if peak <= 2048 else 'NO'} |",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
