"""Ingest: every rejection reason, no silent drops, duplicates, growth, kinds, free text, pricing."""

import gzip
import json
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

import genai_prices
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from llm_vitals import db, ingest
from tests.conftest import generated_records, record, write_jsonl


def _ingest(con, *paths, **options):
    return ingest.ingest(con, ingest.discover([str(p) for p in paths]), **options)


def _rejected(con):
    return con.execute("select line_no, reason, raw from rejected_records order by line_no").fetchall()


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("not json", "line is not a JSON object"),
        ('["a", "list"]', "line is not a JSON object"),
        (json.dumps(record(latency_ms=-1)), "latency_ms is negative"),
        (json.dumps(record(timestamp="yesterday")), 'timestamp "yesterday" is not RFC 3339 with a UTC offset'),
        (json.dumps(record(timestamp="2026-10-05T10:00:00")), 'timestamp "2026-10-05T10:00:00" is not RFC 3339 with a UTC offset'),
        (json.dumps({k: v for k, v in record().items() if k != "model"}), "missing required field model"),
        (json.dumps({k: v for k, v in record().items() if k != "request_id"}), "missing required field request_id"),
        (json.dumps(record(status="weird")), 'status "weird" is not one of ok, error, timeout, rate_limited, cancelled'),
        (json.dumps(record(latency_ms="fast")), 'latency_ms "fast" is not a number'),
        (json.dumps(record(input_tokens=1.5)), 'input_tokens "1.5" is not a whole number >= 0'),
        (json.dumps(record(cost_usd=-0.1)), 'cost_usd "-0.1" is not a number from 0 to 999999'),
        (json.dumps(record(parse_ok="maybe")), 'parse_ok "maybe" is not true or false'),
        (json.dumps(record(feedback=2)), 'feedback "2" is not -1, 0 or 1'),
    ],
    ids=["not-json", "array", "negative-latency", "bad-timestamp", "no-offset", "no-model", "no-request-id",
         "bad-status", "latency-text", "fractional-tokens", "negative-cost", "bad-bool", "bad-feedback"],
)
def test_each_bad_record_is_rejected_with_its_reason_and_line(tmp_path, db_path, line, reason):
    path = write_jsonl(tmp_path / "logs.jsonl", [record(request_id="good-1"), line, record(request_id="good-2")])
    con = db.connect(db_path)
    summary = _ingest(con, path)
    assert (summary.accepted, summary.rejected) == (2, 1)
    assert _rejected(con) == [(2, reason, line)]


def test_non_utf8_long_and_blank_lines_keep_line_numbers(tmp_path, db_path):
    path = tmp_path / "logs.jsonl"
    good = [json.dumps(record(request_id=f"g{i}")).encode() for i in range(4)]
    path.write_bytes(b"\n".join([good[0], b"\xff\xfe not utf-8", b"", good[1], b"x" * 5000, good[2], good[3]]) + b"\n")
    con = db.connect(db_path)
    summary = _ingest(con, path, max_line_bytes=4096)
    assert (summary.accepted, summary.rejected) == (4, 2)
    rows = _rejected(con)
    assert [(r[0], r[1]) for r in rows] == [
        (2, "line is not valid UTF-8"),
        (5, "line is longer than 4096 bytes (raise LLM_VITALS_MAX_LINE_BYTES to accept it)"),
    ]
    assert len(rows[1][2]) == 2048  # raw text cut to 2 KB


def test_a_10_mb_line_is_accepted_and_its_prompt_not_stored(tmp_path, db_path):
    big = record(request_id="big", prompt="p" * 10_000_000, customer_tier="gold")
    path = write_jsonl(tmp_path / "logs.jsonl", [big, record(request_id="small")])
    con = db.connect(db_path)
    assert _ingest(con, path).accepted == 2
    attributes, free_text = con.execute("select attributes, free_text from requests where request_id = 'big'").fetchone()
    assert json.loads(attributes) == {"customer_tier": "gold"} and free_text is None


def test_empty_file_and_csv_with_missing_columns(tmp_path, db_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    csv_path = tmp_path / "calls.csv"
    csv_path.write_text("request_id,timestamp,route,status,latency_ms\nc1,2026-10-05T10:00:00Z,chat,ok,12\n", encoding="utf-8")
    con = db.connect(db_path)
    summary = _ingest(con, empty, csv_path)
    assert (summary.files_read, summary.accepted) == (2, 0)
    assert _rejected(con) == [(2, "missing required field model", '{"request_id":"c1","timestamp":"2026-10-05T10:00:00Z","route":"chat","status":"ok","latency_ms":"12"}')]


def test_nothing_is_silently_dropped(tmp_path, db_path):
    records = generated_records(500)
    lines = [json.dumps(r) for r in records] + ["oops", json.dumps(record(latency_ms=-2)), json.dumps(records[0])]
    path = write_jsonl(tmp_path / "logs.jsonl", lines)
    con = db.connect(db_path)
    summary = _ingest(con, path)
    assert summary.accepted + summary.rejected + summary.duplicates == len(lines)
    assert (summary.rejected, summary.duplicates) == (2, 1)
    nulls = con.execute("select count(*) from requests where request_id is null or started_at is null or route is null"
                        " or model is null or status is null or latency_ms is null or task_id is null"
                        " or _reject_reason is not null or _raw_line is not null").fetchone()[0]
    assert nulls == 0


def test_first_copy_wins_and_reingest_adds_nothing(tmp_path, db_path):
    a = write_jsonl(tmp_path / "a.jsonl", [record(request_id="x", route="first"), record(request_id="x", route="second")])
    b = write_jsonl(tmp_path / "b.jsonl", [record(request_id="x", route="third"), record(request_id="y")])
    con = db.connect(db_path)
    first = _ingest(con, a, b)
    assert (first.accepted, first.duplicates) == (2, 2)
    assert con.execute("select route from requests where request_id = 'x'").fetchall() == [("first",)]
    again = _ingest(con, a, b)
    assert (again.files_read, again.accepted) == (0, 0)
    assert con.execute("select count(*) from requests").fetchone()[0] == 2


def test_a_rejected_or_blank_line_counts_for_nothing_while_its_batch_runs(tmp_path, db_path):
    # Rejected and blank lines stay in `requests`, marked, until the batch commits
    # (sql/ingest_drop_rejected.sql); nothing the batch counts or keeps may see them.
    path = write_jsonl(tmp_path / "logs.jsonl", [
        record(request_id="x", latency_ms=-1, input_tokens=10, output_tokens=5, model="no-price-model"),
        "",
        record(request_id="x", route="kept", timestamp="2026-10-05T11:00:00Z"),
        record(request_id="y", timestamp="2026-10-09T10:00:00Z", latency_ms=-3),
    ])
    con = db.connect(db_path)
    seen = {}

    def before_commit(con, batch_id):
        seen["marked"] = con.execute("select count(*) from requests where _reject_reason is not null").fetchone()[0]

    summary = _ingest(con, path, before_commit=before_commit)
    assert seen["marked"] == 3  # two rejected lines and the blank one, still there inside the batch
    # the rejected first copy of x is no copy: the accepted line is stored, and no duplicate counted;
    # a rejected call without a price is not "unpriced"
    assert (summary.accepted, summary.rejected, summary.duplicates, summary.blank, summary.unpriced) == (1, 2, 0, 1, 1)
    assert con.execute("select request_id, route from requests").fetchall() == [("x", "kept")]
    assert con.execute("select count(*) from requests where _reject_reason is not null").fetchone()[0] == 0
    assert con.execute("select line_no, reason from rejected_records order by line_no").fetchall() == [
        (1, "latency_ms is negative"), (4, "latency_ms is negative")]


def test_a_batch_s_marked_lines_left_by_a_dead_process_go_when_the_database_opens(tmp_path, db_path):
    # A process that died between a batch's commit and sql/ingest_drop_rejected.sql leaves its
    # rejected lines marked in `requests`; the next connection that may write removes them.
    con = db.connect(db_path)
    _ingest(con, write_jsonl(tmp_path / "logs.jsonl", [record(request_id="a"), record(request_id="b", latency_ms=-1)]))
    con.execute("insert into requests by name select * replace ('left' as request_id, 'latency_ms is negative'"
                " as _reject_reason) from requests")
    con.close()
    con = db.connect(db_path)
    assert con.execute("select request_id from requests").fetchall() == [("a",)]
    assert con.execute("select line_no from rejected_records").fetchall() == [(2,)]


def test_a_later_batch_finds_a_stored_copy_within_a_day_of_its_calls(tmp_path, db_path):
    con = db.connect(db_path)
    _ingest(con, write_jsonl(tmp_path / "a.jsonl", [record(request_id="x", timestamp="2026-10-05T10:00:00Z"),
                                                    record(request_id="y", timestamp="2026-10-01T10:00:00Z")]))
    later = write_jsonl(tmp_path / "b.jsonl", [record(request_id="x", timestamp="2026-10-06T09:00:00Z"),
                                               record(request_id="y", timestamp="2026-10-06T10:00:00Z")])
    second = _ingest(con, later)
    # x was stored 23 h before the batch's first call: a copy; y five days before: outside the
    # day either side of the batch that dedupe probes, so a call of its own (README: Deduplication)
    assert (second.accepted, second.duplicates) == (1, 1)
    assert con.execute("select request_id, count(*) from requests group by all order by 1").fetchall() == [
        ("x", 1), ("y", 2)]


def test_a_grown_file_contributes_only_its_new_lines(tmp_path, db_path):
    path = tmp_path / "today.jsonl"
    write_jsonl(path, [record(request_id="1"), "bad line"])
    with path.open("a") as handle:
        handle.write(json.dumps(record(request_id="2"))[:20])  # a line still being written
    con = db.connect(db_path)
    assert _ingest(con, path).accepted == 1
    with path.open("a") as handle:
        handle.write(json.dumps(record(request_id="2"))[20:] + "\n" + json.dumps(record(request_id="3")) + "\n")
    second = _ingest(con, path)
    assert (second.accepted, second.rejected, second.duplicates) == (2, 0, 0)
    assert con.execute("select list(request_id order by request_id) from requests").fetchone()[0] == ["1", "2", "3"]
    assert _rejected(con) == [(2, "line is not a JSON object", "bad line")]


def test_gzip_csv_and_parquet_give_the_same_rows_as_json_lines(tmp_path):
    records = [r for r in generated_records(300) if "cost_usd" in r]
    for r in records:
        r["cost_usd"] = float(r["cost_usd"])
    jsonl = write_jsonl(tmp_path / "a.jsonl", records)
    gz = tmp_path / "b.jsonl.gz"
    gz.write_bytes(gzip.compress(jsonl.read_bytes()))
    keys = sorted({key for r in records for key in r})  # from_pylist would take the first record's keys only
    table = pa.Table.from_pylist([{key: r.get(key) for key in keys} for r in records])
    pq.write_table(table, tmp_path / "c.parquet")
    import pyarrow.csv as pacsv
    pacsv.write_csv(table, tmp_path / "d.csv")
    columns = "request_id, started_at, route, model, status, latency_ms, tenant, input_tokens, cost_usd, parse_ok, task_id"
    results = []
    for name in ("a.jsonl", "b.jsonl.gz", "c.parquet", "d.csv"):
        con = db.connect(tmp_path / f"{name}.duckdb")
        summary = _ingest(con, tmp_path / name)
        assert (summary.accepted, summary.rejected) == (len(records), 0), name
        results.append(con.execute(f"select {columns} from requests order by request_id").fetchall())
    assert results[0] == results[1] == results[2] == results[3]


def test_free_text_is_dropped_by_default_and_redacted_when_asked(tmp_path):
    secret = "contact bob@example.com or +1 415 555 0100, card 4111 1111 1111 1111, key sk-abcdefghijklmnop1234"
    path = write_jsonl(tmp_path / "a.jsonl", [record(prompt=secret, response="ok", messages=[{"role": "user", "content": secret}])])
    con = db.connect(tmp_path / "off.duckdb")
    _ingest(con, path)
    assert con.execute("select attributes, free_text from requests").fetchone() == (None, None)
    con = db.connect(tmp_path / "on.duckdb")
    _ingest(con, path, store_free_text=True)
    stored = con.execute("select free_text from requests").fetchone()[0]
    for leaked in ("bob@example.com", "415 555 0100", "4111 1111 1111 1111", "sk-abcdefghijklmnop1234"):
        assert leaked not in stored
    assert json.loads(stored)["prompt"] == "contact [EMAIL] or [PHONE], card [CARD], key [API_KEY]"


def test_a_rejected_line_keeps_no_free_text(tmp_path):
    secret = "my card is 4111 1111 1111 1111"
    path = write_jsonl(tmp_path / "r.jsonl", [record(status="weird", prompt=secret, messages=[{"content": secret}])])
    con = db.connect(tmp_path / "off.duckdb")
    _ingest(con, path)
    raw = con.execute("select raw from rejected_records").fetchall()[0][0]
    assert "4111" not in raw and json.loads(raw)["status"] == "weird" and "prompt" not in json.loads(raw)
    con = db.connect(tmp_path / "on.duckdb")
    _ingest(con, path, store_free_text=True)
    raw = con.execute("select raw from rejected_records").fetchall()[0][0]
    assert "4111" not in raw and json.loads(raw)["prompt"] == "my card is [CARD]"


def test_genai_prices_cost_equals_calc_price_per_call(tmp_path, db_path):
    calls = [
        record(request_id=f"p{i}", provider=provider, model=model, input_tokens=tokens, output_tokens=out,
               cached_input_tokens=cached, timestamp=f"2026-10-05T{i % 24:02d}:{(i * 7) % 60:02d}:00Z")
        for i, (provider, model, tokens, out, cached) in enumerate([
            ("openai", "gpt-4o-mini", 1234, 321, 0), ("openai", "gpt-4.1", 99_999, 1, 5000),
            ("anthropic", "claude-sonnet-4-5", 250_000, 700, 1000), ("anthropic", "claude-sonnet-4-5", 200_000, 3, 0),
            ("google", "gemini-2.5-pro", 200_001, 12, 0), (None, "gpt-4o", 17, 0, 0),
            ("deepseek", "deepseek-chat", 5000, 400, 100), ("openai", "no-such-model", 10, 10, 0),
        ] * 3)
    ]
    con = db.connect(db_path)
    summary = _ingest(con, write_jsonl(tmp_path / "p.jsonl", calls))
    assert (summary.priced_by_genai, summary.unpriced) == (21, 3)
    stored = dict(con.execute("select request_id, cost_usd from requests").fetchall())
    for call in calls:
        try:
            price = genai_prices.calc_price(
                genai_prices.Usage(input_tokens=call["input_tokens"], output_tokens=call["output_tokens"],
                                   cache_read_tokens=call["cached_input_tokens"]),
                call["model"], provider_id=call["provider"],
                genai_request_timestamp=datetime.fromisoformat(call["timestamp"].replace("Z", "+00:00")),
            ).total_price.quantize(Decimal("1e-12"), rounding=ROUND_HALF_UP)
        except LookupError:
            price = None
        assert stored[call["request_id"]] == price, call


def test_a_batch_runs_under_the_memory_cap_and_duckdb_s_own_limit_returns_after(tmp_path, db_path):
    write_jsonl(tmp_path / "a.jsonl", generated_records(50))
    con = db.connect(db_path)
    default = con.execute("select current_setting('memory_limit')").fetchone()[0]
    during = []
    summary = ingest.ingest(con, ingest.discover([str(tmp_path / "a.jsonl")]), memory_cap_mb=64,
                            before_commit=lambda c, _batch: during.append(
                                c.execute("select current_setting('memory_limit')").fetchone()[0]))
    assert summary.accepted == 50
    assert during == ["64.0 MiB"]
    assert con.execute("select current_setting('memory_limit')").fetchone()[0] == default != "64.0 MiB"
    wal = db_path.with_name(db_path.name + ".wal")  # the batch was written into the file under the cap too
    assert not wal.exists() or wal.stat().st_size == 0


def test_the_ingest_memory_cap_gives_way_to_a_configured_limit_and_to_small_machines():
    from llm_vitals.settings import Settings

    assert Settings().ingest_memory_cap_mb == 1536
    assert Settings(ingest_memory_mb=512).ingest_memory_cap_mb == 512
    assert Settings(memory_limit="4GB").ingest_memory_cap_mb is None
    assert Settings(ingest_memory_mb=0).ingest_memory_cap_mb is None
    assert Settings(ingest_memory_mb=10**9).ingest_memory_cap_mb is None  # above 80 % of any RAM here


def test_a_cost_is_stored_the_same_whatever_else_its_line_holds(tmp_path, db_path):
    # a line with a key outside the contract gets a second, all-text parse; its cost must not change
    lines = [record(request_id="plain", cost_usd=123456.123456789012),
             record(request_id="extra", cost_usd=123456.123456789012, region="eu-west"),
             record(request_id="colon", cost_usd=123456.123456789012, route="a:b")]
    con = db.connect(db_path)
    assert _ingest(con, write_jsonl(tmp_path / "a.jsonl", lines)).accepted == 3
    stored = dict(con.execute("select request_id, cost_usd from requests").fetchall())
    expected = Decimal(repr(123456.123456789012)).quantize(Decimal("1e-12"), rounding=ROUND_HALF_UP)
    assert stored == {"plain": expected, "extra": expected, "colon": expected}
    assert expected == Decimal("123456.123456789000")  # the shortest text of that DOUBLE is 123456.123456789


def test_null_values_written_with_or_without_a_space_are_absent_and_never_hide_an_extra_key(tmp_path, db_path):
    # A line whose colons outside null values equal its parsed contract fields takes the fast path;
    # a ": null" or ":null" inside a string must never let an extra key's value go unkept.
    spaced = {"request_id": "spaced", "tenant": None, "cost_usd": None}
    lines = [json.dumps(record(**spaced)),                                             # Python's separators
             json.dumps(record(**{**spaced, "request_id": "compact"}), separators=(",", ":")),
             json.dumps(record(request_id="in-string", route="a: null", region="eu")),
             json.dumps(record(request_id="in-string-compact", route="a:null", region="eu"), separators=(",", ":")),
             json.dumps(record(request_id="null-extra", region=None, cost_usd=0.5)),
             json.dumps(record(request_id="mistyped", tenant=None, latency_ms="fast"))]
    con = db.connect(db_path)
    summary = _ingest(con, write_jsonl(tmp_path / "a.jsonl", lines))
    assert (summary.accepted, summary.rejected) == (5, 1)
    stored = {r[0]: r[1:] for r in con.execute(
        "select request_id, route, tenant, cost_usd, attributes::varchar from requests").fetchall()}
    assert stored == {
        "spaced": ("chat", None, None, None),
        "compact": ("chat", None, None, None),
        "in-string": ("a: null", None, None, '{"region":"eu"}'),
        "in-string-compact": ("a:null", None, None, '{"region":"eu"}'),
        "null-extra": ("chat", None, Decimal("0.5"), None),  # a key whose value is null is absent, extra or not
    }
    line_no, reason = con.execute("select line_no, reason from rejected_records").fetchone()
    assert (line_no, reason) == (6, 'latency_ms "fast" is not a number')
