"""Ingest under hostile input: values no column can hold, every line ending, files that grow while
they are read, broken CSV, gzip under any name, link loops. Nothing stops the batch, nothing is
lost without a word, every rejected line keeps its true line number."""

import gzip
import json
import os
import random
import threading
import time

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from llm_vitals import cli, db, ingest
from tests.conftest import record, write_jsonl

POISON = [
    ("feedback", 200, 'feedback "200" is not -1, 0 or 1'),
    ("cost_usd", "1e400", 'cost_usd "1e400" is out of range (at most 999999.999999999999)'),
    ("cost_usd", 1e6, 'cost_usd "1000000.0" is out of range (at most 999999.999999999999)'),
    ("input_tokens", 2**63, 'input_tokens "9223372036854775808" is out of range (at most 9007199254740991)'),
    ("output_tokens", 2**53, 'output_tokens "9007199254740992" is out of range (at most 9007199254740991)'),
    ("retries", 1e19, 'retries "10000000000000000000.0" is out of range (at most 9007199254740991)'),
    ("latency_ms", "NaN", 'latency_ms "NaN" is not a number'),
    ("latency_ms", "Infinity", 'latency_ms "Infinity" is not a number'),
    ("ttft_ms", "-Infinity", 'ttft_ms "-Infinity" is not a number >= 0'),
    ("cost_usd", "NaN", 'cost_usd "NaN" is not a number from 0 to 999999'),
    ("input_tokens", "NaN", 'input_tokens "NaN" is not a whole number >= 0'),
    ("temperature", "Infinity", 'temperature "Infinity" is not a number'),
    ("tool_calls", "Infinity", 'tool_calls "Infinity" is not a whole number >= 0'),
]


def _line(field, value):
    """A record whose `field` holds `value` as JSON writes it (a string here stands for a bare literal)."""
    text = json.dumps(record(request_id="poison", **{field: 0}))
    literal = value if isinstance(value, str) else json.dumps(value)
    return text.replace(f'"{field}": 0', f'"{field}": {literal}')


@pytest.mark.parametrize(("field", "value", "reason"), POISON, ids=[f"{f}={v}" for f, v, _ in POISON])
def test_a_value_no_column_can_hold_is_rejected_with_its_line(tmp_path, db_path, field, value, reason):
    path = write_jsonl(tmp_path / "logs.jsonl", [record(request_id="g1"), _line(field, value), record(request_id="g2")])
    con = db.connect(db_path)
    summary = ingest.ingest(con, ingest.discover([str(path)]))
    assert (summary.accepted, summary.rejected) == (2, 1)
    assert con.execute("select line_no, reason from rejected_records").fetchall() == [(2, reason)]


@pytest.mark.parametrize(("field", "value", "reason"), [
    ("feedback", "200", 'feedback "200" is not -1, 0 or 1'),
    ("cost_usd", "1e400", 'cost_usd "1e400" is out of range (at most 999999.999999999999)'),
    ("input_tokens", "9223372036854775808", 'input_tokens "9223372036854775808" is out of range (at most 9007199254740991)'),
    ("latency_ms", "NaN", 'latency_ms "NaN" is not a number'),
    ("cost_usd", "inf", 'cost_usd "inf" is out of range (at most 999999.999999999999)'),
], ids=["feedback", "cost", "tokens", "nan-latency", "inf-cost"])
def test_csv_values_no_column_can_hold_are_rejected_with_their_line(tmp_path, db_path, field, value, reason):
    columns = ["request_id", "timestamp", "route", "model", "status", "latency_ms", field]
    good = "g{},2026-10-05T10:00:00Z,chat,m,ok,5,{}".replace(",{}", ",0" if field != "latency_ms" else "")
    header = ",".join(dict.fromkeys(columns))
    rows = [good.format(1), f"bad,2026-10-05T10:00:00Z,chat,m,ok,{value}" if field == "latency_ms"
            else f"bad,2026-10-05T10:00:00Z,chat,m,ok,5,{value}", good.format(2)]
    path = tmp_path / "calls.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    con = db.connect(db_path)
    summary = ingest.ingest(con, ingest.discover([str(path)]))
    assert (summary.accepted, summary.rejected) == (2, 1)
    assert con.execute("select line_no, reason from rejected_records").fetchall() == [(3, reason)]


def test_parquet_values_no_column_can_hold_are_rejected_with_their_row(tmp_path, db_path):
    rows = [record(request_id=f"p{i}") for i in range(6)]
    poison = {1: ("feedback", 200), 2: ("cost_usd", float("inf")), 3: ("input_tokens", 2**62),
              4: ("latency_ms", float("nan"))}
    for i, (field, value) in poison.items():
        rows[i][field] = value
    columns = {"request_id": pa.string(), "timestamp": pa.string(), "route": pa.string(), "model": pa.string(),
               "status": pa.string(), "latency_ms": pa.float64(), "feedback": pa.int64(), "cost_usd": pa.float64(),
               "input_tokens": pa.int64()}
    table = pa.table({name: pa.array([r.get(name) for r in rows], type) for name, type in columns.items()})
    pq.write_table(table, tmp_path / "calls.parquet")
    con = db.connect(db_path)
    summary = ingest.ingest(con, ingest.discover([str(tmp_path / "calls.parquet")]))
    assert (summary.accepted, summary.rejected) == (2, 4)
    assert [r[0] for r in con.execute("select line_no from rejected_records order by line_no").fetchall()] == [2, 3, 4, 5]
    assert con.execute("select list(request_id order by request_id) from requests").fetchone()[0] == ["p0", "p5"]


@pytest.mark.parametrize("ending", [b"\n", b"\r\n", b"\r", "mixed"], ids=["lf", "crlf", "cr", "mixed"])
def test_every_line_ending_counts_one_line(tmp_path, db_path, ending):
    lines = [json.dumps(record(request_id=f"r{i}")).encode() for i in range(5)]
    lines[2] = b"not json"
    endings = [b"\n", b"\r\n", b"\r", b"\r\n", b"\n"] if ending == "mixed" else [ending] * 5
    path = tmp_path / "logs.jsonl"
    path.write_bytes(b"".join(line + end for line, end in zip(lines, endings)))
    con = db.connect(db_path)
    summary = ingest.ingest(con, ingest.discover([str(path)]))
    assert (summary.accepted, summary.rejected, summary.waiting) == (4, 1, 0)
    assert con.execute("select line_no, reason from rejected_records").fetchall() == [(3, "line is not a JSON object")]
    assert con.execute("select lines_read from ingested_files").fetchone()[0] == 5


def test_a_last_line_without_a_line_ending_waits_then_is_read_once_the_file_is_complete(tmp_path, db_path):
    path = tmp_path / "logs.jsonl"
    path.write_text(json.dumps(record(request_id="1")) + "\n" + json.dumps(record(request_id="2")))
    con = db.connect(db_path)
    first = ingest.ingest(con, ingest.discover([str(path)]))
    assert (first.accepted, first.waiting) == (1, 1)
    again = ingest.ingest(con, ingest.discover([str(path)]))
    assert (again.accepted, again.waiting, again.files_unchanged) == (0, 1, 1)  # still reported, never dropped
    old = time.time() - 600
    os.utime(path, (old, old))  # nothing has changed it for 10 minutes: the file is complete
    settled = ingest.ingest(con, ingest.discover([str(path)]))
    assert (settled.accepted, settled.waiting) == (1, 0)
    assert con.execute("select list(request_id order by request_id) from requests").fetchone()[0] == ["1", "2"]


def test_a_half_written_crlf_is_not_a_lone_cr(tmp_path, db_path):
    path = tmp_path / "logs.jsonl"
    path.write_bytes(json.dumps(record(request_id="1")).encode() + b"\r\n" + json.dumps(record(request_id="2")).encode() + b"\r")
    con = db.connect(db_path)
    assert ingest.ingest(con, ingest.discover([str(path)])).waiting == 1
    with path.open("ab") as handle:
        handle.write(b"\n" + json.dumps(record(request_id="3")).encode() + b"\r\n")
    second = ingest.ingest(con, ingest.discover([str(path)]))
    assert (second.accepted, second.blank, second.waiting) == (2, 0, 0)
    assert con.execute("select lines_read from ingested_files").fetchone()[0] == 3


def test_gzip_is_read_by_its_bytes_whatever_its_name(tmp_path, db_path):
    data = (json.dumps(record(request_id="a")) + "\n" + json.dumps(record(request_id="b")) + "\n").encode()
    (tmp_path / "zipped.jsonl").write_bytes(gzip.compress(data))
    (tmp_path / "plain.jsonl.gz").write_bytes(data.replace(b'"a"', b'"c"').replace(b'"b"', b'"d"'))
    con = db.connect(db_path)
    summary = ingest.ingest(con, ingest.discover([str(tmp_path)]))
    assert (summary.files_read, summary.accepted, summary.rejected, summary.refused) == (2, 4, 0, {})


def test_a_broken_gzip_file_is_refused_by_name_and_the_rest_goes_in(tmp_path, db_path):
    good = write_jsonl(tmp_path / "a.jsonl", [record(request_id="ok")])
    broken = tmp_path / "b.jsonl.gz"
    broken.write_bytes(gzip.compress(good.read_bytes() * 50)[:40])
    con = db.connect(db_path)
    summary = ingest.ingest(con, ingest.discover([str(tmp_path)]))
    assert summary.accepted == 1 and list(summary.refused) == [str(broken)]
    assert con.execute("select path from refused_files").fetchall() == [(str(broken),)]
    assert con.execute("select path from ingested_files").fetchall() == [(str(good),)]  # tried again next run


@pytest.mark.slow
def test_lines_appended_while_a_file_is_read_are_read_exactly_once(tmp_path, db_path):
    path = tmp_path / "live.jsonl"
    write_jsonl(path, [record(request_id=f"s{i}", route="x" * 200) for i in range(200_000)])
    stop = threading.Event()
    written = []

    def writer():
        with path.open("a") as handle:
            n = 0
            while not stop.is_set():
                line = json.dumps(record(request_id=f"w{n}"))
                for cut in (len(line) // 3, 2 * len(line) // 3):  # each line in three writes, as a logger may
                    handle.write(line[:cut] if cut == len(line) // 3 else line[len(line) // 3:cut])
                    handle.flush()
                handle.write(line[2 * len(line) // 3:] + "\n")
                handle.flush()
                written.append(n)
                n += 1

    thread = threading.Thread(target=writer)
    con = db.connect(db_path)
    thread.start()
    try:
        summaries = [ingest.ingest(con, ingest.discover([str(path)])) for _ in range(3)]
    finally:
        stop.set()
        thread.join()
    final = ingest.ingest(con, ingest.discover([str(path)]), final_line_wait_seconds=0)
    assert sum(s.rejected for s in summaries) + final.rejected == 0
    stored = con.execute("select count(*), count(distinct request_id) from requests").fetchone()
    assert stored == (200_000 + len(written),) * 2
    assert sum(s.duplicates for s in summaries) + final.duplicates == 0


def test_a_csv_that_grows_after_a_ragged_row_loses_nothing(tmp_path, db_path):
    header = "request_id,timestamp,route,model,status,latency_ms\n"
    row = "c{},2026-10-05T10:00:00Z,chat,m,ok,1\n"
    path = tmp_path / "calls.csv"
    path.write_text(header + row.format(1) + row.format(2) + "c3,2026-10-05T10:00:00Z,chat,m,ok,1,extra,more\n")
    con = db.connect(db_path)
    first = ingest.ingest(con, ingest.discover([str(path)]))
    assert (first.accepted, first.rejected) == (2, 1)  # a ragged row is one rejection
    with path.open("a") as handle:
        handle.write("".join(row.format(i) for i in range(4, 9)))
    second = ingest.ingest(con, ingest.discover([str(path)]))
    assert (second.accepted, second.rejected, second.duplicates) == (5, 0, 0)
    assert con.execute("select line_no, reason from rejected_records").fetchall() == [
        (4, "row has 8 columns where the header has 6")]
    bad = "c9,2026-10-05T10:00:00Z,chat,m,weird,1\n"
    with path.open("a") as handle:
        handle.write("\n" + bad)
    third = ingest.ingest(con, ingest.discover([str(path)]))
    assert (third.accepted, third.rejected, third.blank) == (0, 1, 1)
    assert con.execute("select max(line_no) from rejected_records").fetchone()[0] == 11


def test_an_unterminated_csv_quote_refuses_the_file_naming_its_line(tmp_path, db_path, capsys, monkeypatch):
    monkeypatch.setenv("LLM_VITALS_READ_COPY", "false")
    header = "request_id,timestamp,route,model,status,latency_ms\n"
    (tmp_path / "a.csv").write_text(header + 'c1,2026-10-05T10:00:00Z,"chat, eu",m,ok,1\n'
                                    + 'c2,"2026-10-05T10:00:00Z,chat,m,ok,1\n' + "c3,2026-10-05T10:00:00Z,chat,m,ok,1\n")
    write_jsonl(tmp_path / "b.jsonl", [record(request_id="j1")])
    code = cli.main(["ingest", str(tmp_path), "--db", str(db_path)])
    out = capsys.readouterr().out
    assert code == 1
    assert "line 3 opens a quote that never closes" in out and "a.csv" in out
    con = db.connect(db_path)
    assert con.execute("select list(request_id) from requests").fetchone()[0] == ["j1"]


def test_a_quoted_comma_is_read_even_beside_a_broken_quote(tmp_path, db_path):
    header = "request_id,timestamp,route,model,status,latency_ms\n"
    path = tmp_path / "a.csv"
    path.write_text(header + 'c1,2026-10-05T10:00:00Z,"chat, eu",m,ok,1\n' + 'c2,2026-10-05T10:00:00Z,"ch"at,m,ok,1\n'
                    + 'c3,2026-10-05T10:00:00Z,ch"at,m,ok,1\n')
    con = db.connect(db_path)
    summary = ingest.ingest(con, ingest.discover([str(path)]))
    assert (summary.accepted, summary.rejected) == (2, 1)
    assert con.execute("select route from requests order by request_id").fetchall() == [("chat, eu",), ('ch"at',)]
    assert con.execute("select line_no, reason from rejected_records").fetchall() == [
        (3, "row has a quote that does not close before the end of its field")]


def test_a_folder_walk_survives_a_link_loop_and_reads_each_file_once(tmp_path, db_path):
    logs = tmp_path / "logs"
    (logs / "day").mkdir(parents=True)
    write_jsonl(logs / "day" / "a.jsonl", [record(request_id="a")])
    os.symlink(logs, logs / "day" / "loop")  # a link back to an ancestor
    os.symlink(logs / "day" / "a.jsonl", logs / "same.jsonl")  # the same file under a second name
    files = ingest.discover([str(logs), str(logs / "day")])
    assert [f.path for f in files] == [str(logs / "day" / "a.jsonl")]
    summary = ingest.ingest(db.connect(db_path), files)
    assert (summary.accepted, summary.duplicates) == (1, 0)


@pytest.mark.slow
@pytest.mark.parametrize(("layout", "threads"), [("jsonl", 1), ("jsonl", 2), ("csv", 2), ("parquet", 2)])
def test_rejected_lines_keep_their_line_numbers_in_a_large_mixed_file(tmp_path, layout, threads):
    rng = random.Random(threads)
    size = 300_000
    bad = set(rng.sample(range(size), 40))
    models = ["gpt-4o-mini", "claude-sonnet-4-5", "no-such-model"]
    calls = []
    for i in range(size):
        call = record(request_id=f"r{i}", model=models[i % 3], input_tokens=100, output_tokens=10,
                      timestamp=f"2026-10-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00Z", cost_usd=None)
        if i % 2:
            call["cost_usd"] = 0.001  # half the calls carry a cost, half are priced
        if i in bad:
            call["latency_ms"] = -1.0
        calls.append(call)
    path = tmp_path / f"mixed.{layout}"
    if layout == "jsonl":
        path.write_text("".join(json.dumps({k: v for k, v in c.items() if v is not None}) + "\n" for c in calls))
    else:
        table = pa.Table.from_pylist(calls)
        if layout == "csv":
            import pyarrow.csv as pacsv
            pacsv.write_csv(table, path)
        else:
            pq.write_table(table, path, row_group_size=50_000)
    con = db.connect(tmp_path / "v.duckdb", threads=threads)
    summary = ingest.ingest(con, ingest.discover([str(path)]))
    priced = sum(1 for i in range(size) if i % 2 == 0 and models[i % 3] != "no-such-model" and i not in bad)
    assert (summary.rejected, summary.priced_by_genai) == (40, priced)
    rows = con.execute("select line_no, raw from rejected_records").fetchall()
    header = 1 if layout == "csv" else 0  # a CSV's line 1 is its header; a Parquet row's number is its row
    assert sorted(line for line, _ in rows) == sorted(i + 1 + header for i in bad)
    # the kept text (a JSON line, a CSV line, a Parquet row as JSON) is the call of that line
    assert all(f"r{line - 1 - header}" in raw.replace('"', " ").replace(",", " ").split() for line, raw in rows), rows[:3]


@pytest.mark.slow
def test_a_large_json_lines_file_is_written_as_it_is_read(tmp_path):
    """With 16 MiB lines allowed, DuckDB's default read buffer cut a file of some 300 MB into pieces
    that the insert left partly unwritten: the next checkpoint wrote and merged them, 2 s a million
    lines. The buffer is now given (sql/ingest_lines_jsonl.sql): the checkpoint finds nothing to do."""
    path = tmp_path / "big.jsonl"
    generator = duckdb.connect()
    generator.execute(f"""copy (select 'r' || i as request_id, '2026-10-05T10:00:00Z' as timestamp, 'chat' as route,
                              'gpt-4o-mini' as model, 'ok' as status, 100.0 + i % 1000 as latency_ms,
                              0.001 as cost_usd, repeat('x', 300) as note
                          from range(800000) as t(i)) to '{path}' (format json)""")
    generator.close()
    con = db.connect(tmp_path / "v.duckdb", threads=2)
    assert ingest.ingest(con, ingest.discover([str(path)])).accepted == 800_000
    layout = ("select row_group_id, any_value(count) from pragma_storage_info('requests')"
              " group by row_group_id order by row_group_id")
    committed = con.execute(layout).fetchall()
    con.execute("checkpoint")
    assert con.execute(layout).fetchall() == committed and len(committed) > 1, committed
