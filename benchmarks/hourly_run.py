"""Benchmark: the hourly run (`llm-vitals monitor`: ingest, metrics, check, alerts, read copy) for
one 50,000-call hour, late in a big week against the same hour on a Monday.

    python benchmarks/hourly_run.py                  # 8 million calls in the big week
    python benchmarks/hourly_run.py --week-calls 2000000 --rounds 1   # a quick look

Histories, each built once through llm-vitals itself (ingest, metrics, then the check an hourly
schedule ran at the hour before, so baselines and memos are warm):
  monday        1 million calls over the week before; the new hour is Monday 00:00-01:00
  sunday        the same week before, plus --week-calls calls from Monday 00:00 to Sunday 22:00;
                the new hour is Sunday 22:00-23:00 (a typical run of the day)
  sunday_first  the same through Saturday; the new hour is Sunday 00:00-01:00: the day's first
                run, whose metrics also recompute the week's latency and TTFT quantiles
  midnight      the sunday history after its new hour; the new hour is Sunday 23:00-24:00, so the
                check runs at Monday 00:00, where the day windows close and the checks' baselines
                move on by a day (once a day)
Each round copies the pristine files and runs `monitor` on the new hour in a fresh process, the
cases alternating, and gives each case's ratio to monday; the medians of the rounds' ratios are
the figures. Peak memory is the process's maximum RSS.
Target (issue 15): sunday / monday <= 1.5 with >= 8 M calls in the week; peak <= 2 GiB.
"""

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

# A week of calls: 8 routes, 5 models, 16 tenants, 4 prompt versions, two calls per task.
GENERATE = """
copy (
    select
        $prefix || i as request_id,
        strftime(($start::timestamptz + to_microseconds(i * ($span_us // $n))) at time zone 'UTC',
                 '%Y-%m-%dT%H:%M:%S.%fZ') as timestamp,
        'route-' || (hash(i, 1) % 8) as route,
        ['gpt-4o-mini', 'gpt-4.1', 'claude-sonnet-4-5', 'claude-3-5-haiku-latest', 'gemini-2.5-flash'][(1 + hash(i, 2) % 5)::bigint] as model,
        ['openai', 'openai', 'anthropic', 'anthropic', 'google'][(1 + hash(i, 2) % 5)::bigint] as provider,
        case when hash(i, 3) % 100 < 2 then 'timeout' when hash(i, 3) % 100 < 3 then 'error' else 'ok' end as status,
        round(200 + (hash(i, 4) % 500000) / 100.0, 2) as latency_ms,
        round(50 + (hash(i, 14) % 50000) / 100.0, 2) as ttft_ms,
        'tenant-' || (hash(i, 5) % 16) as tenant,
        $prefix || 'task-' || (i // 2) as task_id,
        (hash(i, 6) % 10) > 1 as task_success,
        100 + hash(i, 7) % 4000 as input_tokens,
        10 + hash(i, 8) % 800 as output_tokens,
        round((hash(i, 12) % 100000) / 1e8, 8) as cost_usd,
        (hash(i, 10) % 4) = 0 as structured_output,
        (hash(i, 11) % 25) > 0 as parse_ok,
        'v' || (hash(i, 13) % 4) as prompt_version,
        (hash(i, 15) % 3) = 0 as retrieval_used,
        hash(i, 16) % 6 as retrieved_docs
    from range($n) as t(i)
) to $path (format json)
"""

WEEK_BEFORE = datetime(2026, 10, 5, tzinfo=UTC)  # a Monday
MONDAY = WEEK_BEFORE + timedelta(days=7)
SUNDAY = MONDAY + timedelta(days=6)
SUNDAY_LATE = SUNDAY + timedelta(hours=22)
CASES = ("monday", "sunday", "sunday_first", "midnight")
STARTS = (MONDAY, SUNDAY_LATE, SUNDAY, SUNDAY_LATE + timedelta(hours=1))

RUNNER = """
import json, resource, sys, time
started = time.perf_counter()
from llm_vitals.cli import main
argv = json.loads(sys.argv[1])
code = main(argv)
assert code == 0 or (code == 1 and argv[0] == "check"), code  # check exits 1 when a check fails
print(json.dumps({"seconds": time.perf_counter() - started,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def generate(path: Path, prefix: str, start: datetime, span: timedelta, n: int) -> Path:
    con = duckdb.connect()
    con.execute(GENERATE, {"prefix": prefix, "start": start, "span_us": int(span.total_seconds() * 1e6),
                           "n": n, "path": str(path)})
    con.close()
    return path


def cli(*argv: str) -> dict:
    done = subprocess.run([sys.executable, "-c", RUNNER, json.dumps(list(argv))], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "DO_NOT_TRACK": "1", "LLM_VITALS_READ_COPY": "true"})
    if done.returncode != 0:
        raise SystemExit(f"llm-vitals {' '.join(argv)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def history(folder: Path, name: str, files: list[Path], as_of: datetime) -> Path:
    db_path = folder / f"{name}.duckdb"
    cli("ingest", *map(str, files), "--db", str(db_path))
    cli("metrics", "--db", str(db_path))
    cli("check", "--db", str(db_path), "--as-of", as_of.isoformat())
    return db_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--week-calls", type=int, default=8_000_000)
    parser.add_argument("--hour-calls", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="llm-vitals-hourly-") as tmp:
        folder = Path(tmp)
        before = generate(folder / "week-before.jsonl", "b-", WEEK_BEFORE, timedelta(days=7), 1_000_000)
        per_hour = args.week_calls / (SUNDAY_LATE - MONDAY).total_seconds() * 3600  # the history holds week_calls
        to_saturday = generate(folder / "monday-to-saturday.jsonl", "w-", MONDAY, SUNDAY - MONDAY,
                               round(per_hour * 24 * 6))
        sunday = generate(folder / "sunday.jsonl", "u-", SUNDAY, SUNDAY_LATE - SUNDAY, round(per_hour * 22))
        hours = {name: (generate(folder / f"{name}-hour.jsonl", f"{name}-", start, timedelta(hours=1), args.hour_calls),
                        start)
                 for name, start in zip(CASES, STARTS)}
        pristine = {"monday": history(folder, "monday", [before], MONDAY),
                    "sunday": history(folder, "sunday", [before, to_saturday, sunday], SUNDAY_LATE),
                    "sunday_first": history(folder, "sunday_first", [before, to_saturday], SUNDAY)}
        pristine["midnight"] = folder / "midnight.duckdb"
        shutil.copyfile(pristine["sunday"], pristine["midnight"])
        cli("monitor", str(hours["sunday"][0]), "--db", str(pristine["midnight"]),
            "--as-of", (SUNDAY_LATE + timedelta(hours=1)).isoformat())
        runs: dict[str, list[dict]] = {name: [] for name in CASES}
        for _ in range(args.rounds):
            for name in CASES:
                db_path = folder / f"run-{name}.duckdb"
                shutil.copyfile(pristine[name], db_path)
                hour_file, hour_start = hours[name]
                runs[name].append(cli("monitor", str(hour_file), "--db", str(db_path),
                                      "--as-of", (hour_start + timedelta(hours=1)).isoformat()))
                for leftover in folder.glob(f"run-{name}.*"):
                    leftover.unlink()
    print(f"hourly run, {args.hour_calls:,} calls; week {args.week_calls:,} calls on top of 1,000,000 the week before")
    print("| round | " + " | ".join(f"{name} s (peak MB)" for name in CASES) + " | "
          + " | ".join(f"{name} / monday" for name in CASES[1:]) + " |")
    print("|---" * (2 * len(CASES)) + "|")
    ratios: dict[str, list[float]] = {name: [] for name in CASES[1:]}
    for i in range(args.rounds):
        base = runs["monday"][i]["seconds"]
        for name in CASES[1:]:
            ratios[name].append(runs[name][i]["seconds"] / base)
        print(f"| {i + 1} | " + " | ".join(f"{runs[name][i]['seconds']:.2f} ({runs[name][i]['peak_rss_mb']:.0f})"
                                          for name in CASES)
              + " | " + " | ".join(f"{ratios[name][-1]:.2f}" for name in CASES[1:]) + " |")
    print("median ratios: " + ", ".join(f"{name} / monday {statistics.median(ratios[name]):.2f}" for name in CASES[1:])
          + " (target: sunday <= 1.5); peak " + ", ".join(
              f"{name} {max(r['peak_rss_mb'] for r in runs[name]):.0f} MB" for name in CASES) + " (target <= 2048)")


if __name__ == "__main__":
    main()
