"""Database sources against a real PostgreSQL: LiteLLM_SpendLogs with LiteLLM's own column names,
read incrementally (watermark, key tie-break, lookback), a query failing mid-stream, the password
kept out of everything, and a sources file read by the monitor command."""

import json
import random
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from llm_vitals import db, pipeline
from llm_vitals.cli import main
from llm_vitals.errors import SourceError
from llm_vitals.settings import Settings
from tests.postgres import PASSWORD, Postgres

DDL = (Path(__file__).parent / "cases" / "litellm_spendlogs.sql").read_text()
T0 = datetime(2026, 10, 5, 9, 0, 0)


@pytest.fixture(scope="module")
def postgres():
    server = Postgres().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def spendlogs(postgres):
    postgres.sql('drop table if exists "LiteLLM_SpendLogs"')
    postgres.sql(DDL)
    return postgres


# What LiteLLM writes (shapes read off its own payload builder, get_logging_payload in litellm
# 1.110.2): the proxy tags every call with the client's `User-Agent: …`, a failure carries 0 tokens
# and metadata.error_information {error_code, error_class, …}, and the metadata counts retries and
# fallbacks.
FAILURES = [("429", "RateLimitError", "rate_limited"), ("408", "Timeout", "timeout"), ("500", "InternalServerError", "error"),
            ("", "RateLimitError", "rate_limited"), ("504", "APIError", "timeout"), (None, "APIConnectionError", "error")]


def _rows(n: int, seed: int, start: datetime, prefix: str = "r") -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        begin = start + timedelta(milliseconds=rng.randrange(0, 3_600_000))
        failed = rng.random() < 0.15
        code, error_class, _ = rng.choice(FAILURES) if failed else (None, None, None)
        agent = rng.choice(["User-Agent: OpenAI/Python 1.57.0", "User-Agent: curl/8.5.0", None])
        tags = ([agent] if agent else []) + ([rng.choice(["extract", "chat"])] if rng.random() < 0.7 else [])
        identity = {"user_api_key_alias": rng.choice(["support-bot", None]), "user_api_key_team_alias": rng.choice(["Support", "Sales"]),
                    "attempted_retries": rng.choice([0, 0, 1, 2]), "attempted_fallbacks": rng.choice([0, 0, 0, 1])}
        metadata = identity | ({"status": "failure", "error_information": {
            "error_code": code, "error_class": error_class, "llm_provider": "openai", "error_message": "litellm." + str(error_class)}}
            if failed else {})
        rows.append({
            "request_id": f"{prefix}{i:05d}", "call_type": "acompletion", "spend": 0.0 if failed else round(rng.uniform(0, 0.02), 6),
            "prompt_tokens": 0 if failed else rng.randrange(10, 4000), "completion_tokens": 0 if failed else rng.randrange(0, 900),
            "startTime": begin, "endTime": begin + timedelta(milliseconds=rng.randrange(80, 20_000)),
            "completionStartTime": None if failed else begin + timedelta(milliseconds=rng.randrange(20, 80)),
            "model": rng.choice(["gpt-4o-mini", "claude-3-5-haiku-20241022"]), "custom_llm_provider": "openai",
            "user": rng.choice(["", "u-1", "u-2"]), "end_user": rng.choice(["", "customer-9"]),
            "organization_id": rng.choice([None, "org-1"]),
            "metadata": json.dumps(metadata), "request_tags": json.dumps(tags),
            "team_id": rng.choice(["team-a", "team-b", None]), "session_id": rng.choice([None, f"s{i // 2}"]),
            "status": "failure" if failed else "success",
            "messages": json.dumps([{"role": "user", "content": "mail me at jane@example.com"}]),
        })
    return rows


def _insert(server: Postgres, rows: list[dict]) -> None:
    columns = list(rows[0])
    with server.connect() as con, con.cursor() as cur:
        with cur.copy(f'COPY "LiteLLM_SpendLogs" ({", ".join(chr(34) + c + chr(34) for c in columns)}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])


def _expected(row: dict) -> tuple:
    metadata = json.loads(row["metadata"])
    failure = metadata.get("error_information")
    status = "ok" if row["status"] == "success" else next(s for c, k, s in FAILURES if (c, k) == (
        failure["error_code"], failure["error_class"]))
    tags = [t for t in json.loads(row["request_tags"]) if not t.startswith("User-Agent:")]
    return (row["request_id"], row["startTime"], (row["endTime"] - row["startTime"]) / timedelta(milliseconds=1),
            tags[0] if tags else (metadata["user_api_key_alias"] or row["call_type"]), row["model"], status,
            row["prompt_tokens"], row["completion_tokens"], Decimal(str(row["spend"])), row["team_id"],
            row["session_id"] or row["request_id"], metadata["attempted_retries"], metadata["attempted_fallbacks"] > 0,
            row["user"] or None, row["end_user"] or None, metadata["user_api_key_team_alias"], row["organization_id"])  # LiteLLM writes "" for none


def _stored(path) -> list[tuple]:
    con = db.connect(path, read_only=True)
    try:
        return con.execute(
            "select request_id, (started_at at time zone 'UTC'), latency_ms, route, model, status, input_tokens,"
            " output_tokens, cost_usd, tenant, task_id, retries, fallback, attributes->>'user', attributes->>'end_user',"
            " attributes->>'metadata.user_api_key_team_alias', attributes->>'organization_id'"
            " from requests order by request_id").fetchall()
    finally:
        con.close()


def _settings(tmp_path, **extra) -> Settings:
    return Settings(**({"db": tmp_path / "sql.duckdb", "data_docs_dir": None, "read_copy": False, "preset": "litellm",
                        "sql_page_rows": 150} | extra))


def test_litellm_spendlogs_is_read_incrementally_with_no_row_lost_or_doubled(spendlogs, tmp_path):
    first = _rows(500, seed=1, start=T0)
    _insert(spendlogs, first)
    settings = _settings(tmp_path)
    summary = pipeline.ingest_sources(settings, [spendlogs.url])
    assert (summary.accepted, summary.rejected, summary.duplicates) == (500, 0, 0)
    assert _stored(settings.db) == sorted(_expected(r) for r in first)

    con = db.connect(settings.db, read_only=True)
    mark, tie = con.execute("select watermark, tie_key from source_watermarks").fetchall()[0]
    con.close()
    last = max(first, key=lambda r: (r["startTime"], r["request_id"]))
    assert (mark, tie) == (last["startTime"].strftime("%Y-%m-%d %H:%M:%S.%f")[:-3].rstrip("0").rstrip("."), last["request_id"])

    later = _rows(200, seed=2, start=T0 + timedelta(hours=1), prefix="s")
    equal = _rows(1, seed=3, start=T0, prefix="a-equal")[0] | {"startTime": last["startTime"], "completionStartTime": None,
                                                                 "endTime": last["startTime"] + timedelta(seconds=1)}
    late = _rows(1, seed=4, start=T0, prefix="b-late")[0] | {"startTime": last["startTime"] - timedelta(minutes=2), "completionStartTime": None,
                                                               "endTime": last["startTime"]}
    _insert(spendlogs, later + [equal, late])
    again = pipeline.ingest_sources(settings, [spendlogs.url])
    assert (again.accepted, again.duplicates) == (202, 0)
    assert _stored(settings.db) == sorted(_expected(r) for r in first + later + [equal, late])
    assert pipeline.ingest_sources(settings, [spendlogs.url]).accepted == 0


def test_a_query_that_fails_mid_stream_leaves_no_partial_batch(spendlogs, tmp_path):
    _insert(spendlogs, _rows(400, seed=5, start=T0))
    settings = _settings(tmp_path, sql_page_rows=10_000)
    sources = tmp_path / "sources.yaml"
    sources.write_text(f"""
sources:
  - name: failing
    kind: sql
    url: {spendlogs.url}
    preset: litellm
    query: 'select * from "LiteLLM_SpendLogs" where 1 / (case when prompt_tokens > 3900 then 0 else 1 end) = 1'
""")
    with pytest.raises(SourceError) as error:
        pipeline.ingest_sources(settings.model_copy(update={"sources_file": sources}), [])
    assert "division by zero" in str(error.value) and PASSWORD not in str(error.value)
    con = db.connect(settings.db, read_only=True)
    assert con.execute("select (select count(*) from requests), (select count(*) from source_watermarks),"
                       " (select count(*) from ingest_batches)").fetchall() == [(0, 0, 0)]
    con.close()


@pytest.mark.parametrize("form", ["user:password@", "?password="])
def test_the_password_never_reaches_errors_output_or_tables(spendlogs, tmp_path, capsys, form):
    _insert(spendlogs, _rows(50, seed=6, start=T0))
    path = tmp_path / "secret.duckdb"
    url = spendlogs.url if form == "user:password@" else spendlogs.url.replace(f":{PASSWORD}@", "@") + f"?password={PASSWORD}"
    assert main(["ingest", url, "--preset", "litellm", "--db", str(path)]) == 0
    wrong = url.replace(PASSWORD, PASSWORD + "-wrong")
    assert main(["ingest", wrong, "--preset", "litellm", "--db", str(path)]) == 2
    out = capsys.readouterr()
    assert "password authentication failed" in out.err
    assert PASSWORD not in out.out + out.err and "***" in out.err
    con = db.connect(path, read_only=True)
    tables = con.execute("select table_name, column_name from information_schema.columns where data_type in ('VARCHAR', 'JSON')").fetchall()
    for table, column in tables:
        hits = con.execute(f'select count(*) from "{table}" where "{column}"::varchar like ?', [f"%{PASSWORD}%"]).fetchall()[0][0]
        assert hits == 0, (table, column)
    assert con.execute("select count(*) from requests where free_text is not null").fetchall() == [(0,)]  # prompts not kept
    con.close()


def test_a_sources_file_names_several_sources_for_the_monitor(spendlogs, tmp_path, monkeypatch, capsys):
    _insert(spendlogs, _rows(120, seed=7, start=T0))
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "app.jsonl").write_text(json.dumps({"request_id": "f1", "timestamp": "2026-10-05T09:30:00Z", "route": "chat",
                                                "model": "gpt-4o-mini", "status": "ok", "latency_ms": 321}) + "\n")
    monkeypatch.setenv("LLM_VITALS_SOURCE_URLS", json.dumps({"gateway": spendlogs.url}))
    sources = tmp_path / "sources.yaml"
    sources.write_text(f"""
sources:
  - name: gateway
    kind: sql
    url_secret: gateway
    preset: litellm
    schedule: every 15 minutes
  - name: app-logs
    kind: files
    path: {logs}
""")
    path = tmp_path / "many.duckdb"
    assert main(["monitor", "--sources-file", str(sources), "--db", str(path)]) == 0
    con = db.connect(path, read_only=True)
    by_source = con.execute("select source_file like 'postgresql%', count(*) from requests group by all order by 1").fetchall()
    con.close()
    assert by_source == [(False, 1), (True, 120)]
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources:\n  - {name: x, kind: sql, preset: litellm}\n")
    assert main(["ingest", "--sources-file", str(bad), "--db", str(path)]) == 2
    assert "source 'x'" in capsys.readouterr().err


def test_a_url_whose_driver_is_missing_says_what_to_install(tmp_path, capsys):
    assert main(["ingest", "mysql://app:hunter2@127.0.0.1:1/llm", "--preset", "litellm", "--db", str(tmp_path / "x.duckdb")]) == 2
    err = capsys.readouterr().err
    assert "its database driver is not installed" in err and "hunter2" not in err and "Traceback" not in err


def test_free_text_from_a_table_is_kept_only_when_asked_and_then_redacted(spendlogs, tmp_path):
    _insert(spendlogs, _rows(30, seed=8, start=T0))
    settings = _settings(tmp_path, store_free_text=True, sql_page_rows=8)
    assert pipeline.ingest_sources(settings, [spendlogs.url]).accepted == 30
    con = db.connect(settings.db, read_only=True)
    kept = [json.loads(text) for (text,) in con.execute("select free_text from requests").fetchall()]
    con.close()
    assert kept == [{"prompt": None, "response": "{}",  # LiteLLM's default for a response not logged
                     "messages": '[{"role": "user", "content": "mail me at [EMAIL]"}]'}] * 30


def test_any_database_sqlalchemy_reaches_is_paged_by_watermark_and_key(tmp_path):
    """SQLite through SQLAlchemy's streamed results (not PostgreSQL's COPY): pages that split rows with
    equal watermarks, then rows added later, each stored once."""
    import sqlite3

    path = tmp_path / "calls.sqlite"
    (tmp_path / "calls.yaml").write_text("""
source: {table: calls, watermark: started, key: id}
fields:
  request_id: id
  timestamp: {from: started, timezone: UTC}   # SQLite text without an offset
  latency_ms: {duration_ms: [started, finished]}
  route: route
  model: model
  status: {from: outcome, map: {good: ok, bad: error}}
""")
    def add(rows):
        with sqlite3.connect(path) as lite:
            lite.execute("create table if not exists calls (id text primary key, started text, finished text,"
                         " route text, model text, outcome text)")
            lite.executemany("insert into calls values (?, ?, ?, ?, ?, ?)", rows)
    # every second call shares its start with the one before: pages end inside runs of equal watermarks
    first = [(f"c{i:03d}", f"2026-10-05 09:00:{i // 2:02d}", f"2026-10-05 09:00:{i // 2:02d}.{i:03d}",
              "chat" if i % 3 else "extract", "gpt-4o-mini", "bad" if i % 7 == 0 else "good") for i in range(40)]
    add(first)
    settings = Settings(db=tmp_path / "lite.duckdb", data_docs_dir=None, read_copy=False, mapping=tmp_path / "calls.yaml",
                        sql_page_rows=6)
    url = f"sqlite:///{path}"
    summaries = pipeline.ingest_sources(settings, [url])
    assert (summaries.accepted, summaries.duplicates) == (40, 0)
    later = [(f"d{i:03d}", f"2026-10-05 09:00:{19 + i // 2:02d}", f"2026-10-05 09:00:{19 + i // 2:02d}.5", "chat",
              "gpt-4o", "good") for i in range(9)]  # the first two share the last watermark read
    add(later)
    assert pipeline.ingest_sources(settings, [url]).accepted == 9
    con = db.connect(settings.db, read_only=True)
    stored = con.execute("select request_id, strftime(started_at, '%Y-%m-%d %H:%M:%S'), latency_ms, route, model, status"
                         " from requests order by 1").fetchall()
    batches = con.execute("select count(*) from ingest_batches").fetchall()[0][0]
    con.close()
    expected = sorted((i, s, (datetime.fromisoformat(f) - datetime.fromisoformat(s)) / timedelta(milliseconds=1), r, m,
                       {"good": "ok", "bad": "error"}[o]) for i, s, f, r, m, o in first + later)
    assert stored == expected
    assert batches >= 40 // 6  # it was read in pages


def test_a_table_source_needs_a_key_apart_from_its_watermark():
    from llm_vitals.errors import ConfigError
    from llm_vitals.ingest import mapping, sql_source

    with pytest.raises(ConfigError) as error:
        sql_source.table_source("postgresql+psycopg://app:hunter2@db/llm", mapping.load("litellm"), table="calls",
                                watermark="created_at", key="created_at")
    assert "both 'created_at'" in str(error.value) and "hunter2" not in str(error.value)


def test_litellm_rates_and_tokens_per_request_come_out_right_without_a_mapping(spendlogs, tmp_path):
    """Failed calls carry 0 tokens and the proxy's User-Agent tags: neither may bend a number."""
    rows = _rows(600, seed=11, start=T0)
    _insert(spendlogs, rows)
    settings = _settings(tmp_path)
    pipeline.ingest_sources(settings, [spendlogs.url])
    pipeline.compute_metrics(settings)
    con = db.connect(settings.db, read_only=True)
    got = dict(((metric, (value, n))) for metric, value, n in con.execute(
        "select metric, value, sample_size from metrics where grain = 'day' and dimension = 'all'").fetchall())
    routes = {r for (r,) in con.execute("select distinct route from requests").fetchall()}
    con.close()
    expected = [_expected(r) for r in rows]
    assert not any(route.startswith("User-Agent") for route in routes)
    for metric, status in (("rate_limit_rate", "rate_limited"), ("timeout_rate", "timeout")):
        assert got[metric] == (sum(e[5] == status for e in expected) / len(rows), len(rows))
    ok = [r for r, e in zip(rows, expected) if e[5] == "ok"]
    assert got["tokens_per_request"] == (sum(r["prompt_tokens"] + r["completion_tokens"] for r in ok) / len(ok), len(ok))
    assert got["fallback_rate"][0] == sum(e[12] for e in expected) / len(rows)
