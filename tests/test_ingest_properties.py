"""Property tests of the ingest contract: whatever a file holds, the command finishes (exit 0, or 1
for a refused file) and accounts for every line exactly once: accepted + rejected + duplicates +
blank = lines, nothing stored breaks a column's rules, and the next run reads nothing again."""

import csv
import io
import json
import os
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llm_vitals import cli, db, ingest
from tests.conftest import record

SCHEMA = Path(cli.__file__).with_name("request_log.schema.json")
FIELDS = list(json.loads(SCHEMA.read_text())["properties"])
ENDINGS = st.sampled_from([b"\n", b"\r\n", b"\r"])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


@st.composite
def records(draw) -> dict:
    """A contract record with arbitrary JSON values in a few of its fields (often the same request_id)."""
    fields = record(request_id=draw(st.sampled_from(["a", "b", "c"]) | st.text(min_size=1, max_size=6)))
    for name in draw(st.lists(st.sampled_from(FIELDS), max_size=4, unique=True)):
        fields[name] = draw(json_values)
    return fields


@st.composite
def json_lines(draw) -> bytes:
    choice = draw(st.sampled_from(["record", "record", "record", "json", "bytes", "blank"]))
    if choice == "record":
        return json.dumps(draw(records()), allow_nan=True).encode()
    if choice == "json":
        return json.dumps(draw(json_values), allow_nan=True).encode()
    if choice == "blank":
        return draw(st.sampled_from([b"", b"   "]))
    return draw(st.binary(max_size=40)).replace(b"\n", b"").replace(b"\r", b"")


CSV_COLUMNS = ["request_id", "timestamp", "route", "model", "status", "latency_ms", "feedback", "cost_usd", "input_tokens"]


@st.composite
def csv_lines(draw) -> bytes:
    """One CSV row: a record's fields written by Python's csv module (quoted where needed, on one
    line), or arbitrary bytes without quotes (a ragged or broken row)."""
    if draw(st.integers(0, 4)) == 0:
        return draw(st.binary(max_size=40)).translate(None, b'\n\r"')
    fields = draw(records())
    out = io.StringIO()
    values = [fields.get(name) for name in CSV_COLUMNS]
    csv.writer(out, lineterminator="").writerow(
        ["" if v is None else str(v).replace("\n", " ").replace("\r", " ") for v in values])
    return out.getvalue().encode()


@st.composite
def files(draw, kind: str) -> bytes:
    body = draw(st.lists(json_lines() if kind == "jsonl" else csv_lines(), min_size=1, max_size=12))
    if kind == "csv":
        body = [",".join(CSV_COLUMNS).encode(), *body]
    endings = draw(st.lists(ENDINGS, min_size=len(body), max_size=len(body)))
    data = b"".join(line + ending for line, ending in zip(body, endings))
    if draw(st.booleans()):
        data = data[: -len(endings[-1])]  # no line ending after the last line
    return data


def _ingest(folder: Path, data: bytes, kind: str) -> tuple[int, duckdb.DuckDBPyConnection]:
    path = folder / f"logs.{kind}"
    path.write_bytes(data)
    old = path.stat().st_mtime - 3600  # a complete file: a last line without a line ending is read
    os.utime(path, (old, old))
    database = folder / "v.duckdb"
    code = cli.main(["ingest", str(path), "--db", str(database)])
    again = cli.main(["ingest", str(path), "--db", str(database)])
    assert again == code
    return code, duckdb.connect(str(database), read_only=True)


def _check(code: int, con: duckdb.DuckDBPyConnection, data: bytes, kind: str) -> None:
    assert code in (0, 1)
    if con.execute("select count(*) from refused_files").fetchone()[0]:
        assert code == 1
        return
    assert code == 0
    lines = len(data.splitlines())  # LF, CRLF and a lone CR each end a line, as the ingest reads them
    data_lines = lines - (1 if kind == "csv" else 0)
    batches = con.execute("select count(*), sum(accepted), sum(rejected), sum(duplicates), sum(blank), sum(waiting)"
                          " from ingest_batches").fetchone()
    assert batches[0] == 1  # the second run found nothing new
    _, accepted, rejected, duplicates, blank, waiting = batches
    assert accepted + rejected + duplicates + blank == data_lines
    assert waiting == 0
    assert con.execute("select count(*) from requests").fetchone()[0] == accepted
    assert con.execute("select count(*) from rejected_records where reason is null or line_no is null").fetchone()[0] == 0
    assert con.execute("select count(distinct line_no) from rejected_records").fetchone()[0] == rejected
    assert con.execute("select coalesce(sum(lines_read), 0) from ingested_files").fetchone()[0] == lines
    broken = con.execute(
        "select count(*) from requests where not isfinite(latency_ms) or latency_ms < 0 or cost_usd < 0"
        " or input_tokens < 0 or feedback not in (-1, 0, 1) or request_id is null or started_at is null"
        " or _reject_reason is not null").fetchone()[0]
    assert broken == 0


@settings(max_examples=70, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=files("jsonl"))
def test_any_json_lines_file_is_accounted_for_line_by_line(tmp_path_factory, monkeypatch, data):
    monkeypatch.setenv("LLM_VITALS_READ_COPY", "false")
    code, con = _ingest(tmp_path_factory.mktemp("jsonl"), data, "jsonl")
    _check(code, con, data, "jsonl")


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=files("csv"))
def test_any_csv_file_is_accounted_for_row_by_row(tmp_path_factory, monkeypatch, data):
    monkeypatch.setenv("LLM_VITALS_READ_COPY", "false")
    code, con = _ingest(tmp_path_factory.mktemp("csv"), data, "csv")
    _check(code, con, data, "csv")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)
                | st.integers(min_value=0, max_value=10**6), min_size=1, max_size=60),
       st.booleans())
def test_a_logged_cost_is_its_double_s_shortest_text_rounded_to_12_places(tmp_path_factory, costs, extra_key):
    """Whatever else a line holds (here: a key outside the contract, which sends it to the text
    parse, or not), its cost is the shortest decimal text of the DOUBLE it reads as (Python's
    repr), rounded half up to 12 places; a cost beyond DECIMAL(18,12) is rejected."""
    folder = tmp_path_factory.mktemp("costs")
    lines = [json.dumps(record(request_id=f"r{n}", cost_usd=cost, **({"region": "eu"} if extra_key else {})))
             for n, cost in enumerate(costs)]
    (folder / "a.jsonl").write_text("\n".join(lines) + "\n")
    con = db.connect(folder / "v.duckdb")
    ingest.ingest(con, ingest.discover([str(folder / "a.jsonl")]))
    stored = dict(con.execute("select request_id, cost_usd from requests").fetchall())
    expected = {f"r{n}": Decimal(repr(float(cost))).quantize(Decimal("1e-12"), rounding=ROUND_HALF_UP)
                for n, cost in enumerate(costs)}
    assert stored == {key: value for key, value in expected.items() if value <= Decimal("999999.999999999999")}
    con.close()
