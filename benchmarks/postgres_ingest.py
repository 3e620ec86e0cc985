"""Ingest of a PostgreSQL LiteLLM_SpendLogs table against the floor of reading the same rows with
COPY ... TO STDOUT, in one run: each step in a fresh process, the two alternating (5 times by default)
and compared by the median of their ratios, with peak memory.

    python benchmarks/postgres_ingest.py            # 1 million rows
    python benchmarks/postgres_ingest.py --rows 200000

Starts its own PostgreSQL cluster (Debian's binaries, initdb on a temporary folder, loopback port),
fills the table server-side with generate_series, and stops the cluster at the end.
Targets (issue 6): within 2x the floor, under 1 GiB of memory.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.postgres import Postgres  # noqa: E402  (the same cluster helper the tests use)

FILL = """
insert into "LiteLLM_SpendLogs" (request_id, call_type, spend, total_tokens, prompt_tokens, completion_tokens,
    "startTime", "endTime", "completionStartTime", model, model_group, custom_llm_provider, api_base, metadata,
    request_tags, team_id, end_user, session_id, status, messages, response)
select
    'req-' || i,
    'acompletion',
    round((random() * 0.02)::numeric, 6),
    1200, 1000 + (i % 3000), 200 + (i % 700),
    timestamp '2026-10-01 00:00:00' + i * interval '2 seconds',
    timestamp '2026-10-01 00:00:00' + i * interval '2 seconds' + (200 + i % 9000) * interval '1 millisecond',
    timestamp '2026-10-01 00:00:00' + i * interval '2 seconds' + (50 + i % 300) * interval '1 millisecond',
    (array['gpt-4o-mini', 'gpt-4.1', 'claude-3-5-haiku-20241022'])[1 + i % 3],
    'default',
    (array['openai', 'openai', 'anthropic'])[1 + i % 3],
    'https://api.example.com',
    case when i % 50 = 0 then '{"error_information": {"error_code": "429", "error_class": "RateLimitError"}}'::jsonb
         else '{"user_api_key_alias": "support-bot"}'::jsonb end,
    ('["' || (array['extract', 'chat', 'search', 'agent'])[1 + i % 4] || '"]')::jsonb,
    'team-' || (i % 12),
    'user-' || (i % 1000),
    'session-' || (i / 3),
    case when i % 50 = 0 then 'failure' else 'success' end,
    ('[{"role": "user", "content": "Summarise ticket ' || i || ' for the customer, please."}]')::jsonb,
    '{"choices": [{"message": {"content": "Here is the summary."}}]}'::jsonb
from generate_series(1, $rows) as i
"""

RUNNER = """
import json, resource, sys, time
started = time.perf_counter()
kind, url, db_path = sys.argv[1], sys.argv[2], sys.argv[3]
if kind == "floor":  # the same bare libpq loop as llm-vitals' reader, without anything after it
    import psycopg
    from psycopg import pq
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as con:
        pgconn = con.pgconn
        pgconn.nonblocking = 0
        pgconn.send_query(b'COPY (select * from "LiteLLM_SpendLogs") TO STDOUT (FORMAT csv, HEADER)')
        assert pgconn.get_result().status == pq.ExecStatus.COPY_OUT
        with open(db_path, "wb", buffering=1 << 20) as out:
            write, get = out.write, pgconn.get_copy_data
            while (copied := get(0))[0] >= 0:
                write(copied[1])
        while (result := pgconn.get_result()) is not None:
            assert result.status == pq.ExecStatus.COMMAND_OK, result.error_message
else:
    from llm_vitals.cli import main
    assert main(["ingest", url, "--preset", "litellm", "--db", db_path]) == 0
print(json.dumps({"seconds": time.perf_counter() - started,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run(kind: str, url: str, work: Path) -> dict:
    """One step in a fresh process: its wall seconds (process start included), peak RSS and output size."""
    target = work / ("floor.csv" if kind == "floor" else "ingest.duckdb")
    target.unlink(missing_ok=True)
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", RUNNER, kind, url, str(target)], check=True, capture_output=True,
                         text=True, env={**os.environ, "LLM_VITALS_READ_COPY": "false"}).stdout
    result = json.loads(out.strip().splitlines()[-1])
    result["wall_seconds"] = time.perf_counter() - started
    result["bytes"] = target.stat().st_size
    target.unlink()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    server = Postgres().start()
    try:
        server.sql((Path(__file__).resolve().parents[1] / "tests" / "cases" / "litellm_spendlogs.sql").read_text())
        filled = time.perf_counter()
        server.sql(FILL.replace("$rows", str(args.rows)))
        server.sql('vacuum analyze "LiteLLM_SpendLogs"')
        print(f"Filled {args.rows:,} rows in {time.perf_counter() - filled:.1f} s.", flush=True)
        with tempfile.TemporaryDirectory(prefix="llm-vitals-pg-bench-") as folder:
            # floor and ingest alternate, so that a slower spell of this shared machine hits both alike
            pairs = [(run("floor", server.url, Path(folder)), run("ingest", server.url, Path(folder)))
                     for _ in range(args.repeats)]
    finally:
        server.stop()
    floor = {"wall_seconds": statistics.median(f["wall_seconds"] for f, _ in pairs),
             "peak_rss_mb": max(f["peak_rss_mb"] for f, _ in pairs), "bytes": pairs[-1][0]["bytes"]}
    ours = {"wall_seconds": statistics.median(o["wall_seconds"] for _, o in pairs),
            "peak_rss_mb": max(o["peak_rss_mb"] for _, o in pairs)}
    ratios = sorted(o["wall_seconds"] / f["wall_seconds"] for f, o in pairs)
    ratio = statistics.median(ratios)
    print("\n".join([
        f"Rows: {args.rows:,}; {os.cpu_count()} cores; {args.repeats} alternating runs of each step, medians;"
        " wall seconds include process start.",
        "",
        "| step | seconds | peak RSS (MB) |",
        "|---|---|---|",
        f"| floor: COPY (select * from \"LiteLLM_SpendLogs\") TO STDOUT → file ({floor['bytes'] / 2**20:,.0f} MB CSV) | {floor['wall_seconds']:.2f} | {floor['peak_rss_mb']:.0f} |",
        f"| llm-vitals ingest URL --preset litellm | {ours['wall_seconds']:.2f} | {ours['peak_rss_mb']:.0f} |",
        "",
        "| target | measured | met |",
        "|---|---|---|",
        f"| within 2× the floor (median of the runs' ratios; all: {', '.join(f'{r:.2f}' for r in ratios)}) | {ratio:.2f}× | {'yes' if ratio <= 2 else 'NO'} |",
        f"| peak memory under 1 GiB | {ours['peak_rss_mb']:.0f} MB | {'yes' if ours['peak_rss_mb'] < 1024 else 'NO'} |",
    ]))


if __name__ == "__main__":
    main()
