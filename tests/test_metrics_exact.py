"""Every metric equals an independent plain-Python computation, to the last digit."""

from datetime import timedelta

import pytest

from llm_vitals import db, ingest, metrics
from tests.conftest import CLOCK, generated_records, write_jsonl
from tests.reference import all_metrics


def _metrics_table(con) -> dict[tuple, tuple]:
    rows = con.execute("select grain, window_start, dimension, segment, metric, value, sample_size from metrics").fetchall()
    return {row[:5]: (row[5], row[6]) for row in rows}


def _load(con, tmp_path, records, name="logs.jsonl"):
    files = ingest.discover([str(write_jsonl(tmp_path / name, records))])
    return ingest.ingest(con, files)


@pytest.fixture(scope="module")
def records():
    # cost_usd is given (or absent for unknown-x); no genai-prices pricing here: tested in test_pricing
    recs = generated_records(3000)
    for rec in recs:
        if rec["model"] != "unknown-x":
            rec.setdefault("cost_usd", 0.000125)
        rec.pop("input_tokens", None) if rec["model"] == "unknown-x" else None
    return recs


def test_every_metric_matches_the_reference(tmp_path, records):
    con = db.connect(tmp_path / "m.duckdb")
    summary = _load(con, tmp_path, records)
    assert summary.accepted == len(records) and summary.rejected == 0
    metrics.compute(con)
    got, want = _metrics_table(con), all_metrics(records)
    assert set(got) == set(want)
    mismatches = [(key, got[key], want[key]) for key in want if want[key] != got[key]]
    assert mismatches == []
    assert len(got) > 5000  # three grains x five dimensions x ~26 metrics over three days


def test_incremental_recompute_equals_full_recompute(tmp_path, records):
    incremental = db.connect(tmp_path / "inc.duckdb")
    # the third day arrives later; some of its calls belong to tasks that began on day two
    split = (CLOCK + timedelta(days=2)).strftime("%Y-%m-%dT%H")
    early = [r for r in records if r["timestamp"][:13] < split]
    late = [r for r in records if r["timestamp"][:13] >= split]
    assert {r["task_id"] for r in early} & {r["task_id"] for r in late}
    _load(incremental, tmp_path, early, "part1.jsonl")
    metrics.compute(incremental)
    _load(incremental, tmp_path, late, "part2.jsonl")
    second = metrics.compute(incremental)
    full = db.connect(tmp_path / "full.duckdb")
    _load(full, tmp_path, records, "all.jsonl")
    metrics.compute(full)
    assert 0 < second.windows < full.execute("select count(distinct (grain, window_start)) from metrics").fetchone()[0]
    assert _metrics_table(incremental) == _metrics_table(full)
    cells = "select * from metric_cells order by all"
    assert incremental.execute(cells).fetchall() == full.execute(cells).fetchall() != []
    reference = all_metrics(records)
    assert [key for key, value in _metrics_table(full).items() if reference[key] != value] == []


def test_value_is_null_where_the_denominator_is_empty(tmp_path):
    con = db.connect(tmp_path / "e.duckdb")
    _load(con, tmp_path, [{"request_id": "a", "timestamp": "2026-10-05T10:00:00Z", "route": "r", "model": "m",
                           "status": "timeout", "latency_ms": 30000}])
    metrics.compute(con)
    got = _metrics_table(con)
    hour = [key for key in got if key[0] == "hour" and key[2] == "all"]
    values = {key[4]: got[key] for key in hour}
    assert values["latency_p95_ms"] == (None, 0)
    assert values["parser_failure_rate"] == (None, 0)
    assert values["timeout_rate"] == (1.0, 1)
    assert values["task_success_rate"] == (None, 0)


def test_weeks_start_monday_utc_whatever_the_offset(tmp_path):
    con = db.connect(tmp_path / "w.duckdb")
    # Sunday 23:30 at -02:00 is Monday 01:30 UTC: it belongs to the week starting that Monday
    _load(con, tmp_path, [{"request_id": "a", "timestamp": "2026-10-04T23:30:00-02:00", "route": "r", "model": "m",
                           "status": "ok", "latency_ms": 5}])
    metrics.compute(con)
    starts = con.execute("select grain, strftime(window_start, '%Y-%m-%d %H:%M') from metrics group by all order by 1").fetchall()
    assert starts == [("day", "2026-10-05 00:00"), ("hour", "2026-10-05 01:00"), ("week", "2026-10-05 00:00")]


def test_task_partitions_do_not_change_the_result(tmp_path, records, monkeypatch):
    one = db.connect(tmp_path / "one.duckdb")
    _load(one, tmp_path, records, "a.jsonl")
    metrics.compute(one)
    monkeypatch.setattr(metrics, "CALLS_PER_TASK_PARTITION", 400)  # eight partitions for 3,000 calls
    many = db.connect(tmp_path / "many.duckdb")
    _load(many, tmp_path, records, "b.jsonl")
    metrics.compute(many)
    assert metrics._task_partitions(many) == 8
    assert _metrics_table(one) == _metrics_table(many)


def test_golden_rows_for_a_hand_counted_day(tmp_path):
    """Four calls, two tasks, counted by hand."""
    calls = [
        {"request_id": "a", "timestamp": "2026-10-05T09:00:00Z", "route": "extract", "model": "m", "status": "ok",
         "latency_ms": 100, "structured_output": True, "parse_ok": False, "cost_usd": 0.25, "task_id": "t1"},
        {"request_id": "b", "timestamp": "2026-10-05T09:10:00Z", "route": "chat", "model": "m", "status": "ok",
         "latency_ms": 300, "structured_output": True, "parse_ok": True, "cost_usd": 0.5, "task_id": "t1",
         "task_success": True},
        {"request_id": "c", "timestamp": "2026-10-05T10:00:00Z", "route": "chat", "model": "m", "status": "timeout",
         "latency_ms": 30000, "cost_usd": 1, "task_id": "t2", "task_success": False},
        {"request_id": "d", "timestamp": "2026-10-05T11:00:00Z", "route": "chat", "model": "m", "status": "ok",
         "latency_ms": 200, "task_id": "t2", "task_success": True},
    ]
    con = db.connect(tmp_path / "g.duckdb")
    _load(con, tmp_path, calls)
    metrics.compute(con)
    rows = dict(con.execute(
        "select metric, (value, sample_size) from metrics where grain = 'day' and dimension = 'all'").fetchall())
    expected = {
        "requests": (4.0, 4), "timeout_rate": (0.25, 4), "error_rate": (0.25, 4),
        "latency_p50_ms": (200.0, 3), "latency_p90_ms": (280.0, 3), "latency_p99_ms": (298.0, 3),
        "parser_failure_rate": (0.5, 2), "cost_usd": (1.75, 3), "cost_per_request_usd": (1.75 / 3, 3),
        "unpriced_rate": (0.0, 3),  # d logs neither a cost nor tokens: nothing to price
        "tasks": (2.0, 2), "task_success_rate": (1.0, 2),
        "cost_per_successful_task_usd": (0.875, 2),
    }
    assert {name: rows[name] for name in expected} == expected
    route = dict(con.execute("select segment, (value, sample_size) from metrics where grain = 'day'"
                             " and dimension = 'route' and metric = 'tasks'").fetchall())
    assert route == {"extract": (1.0, 1), "chat": (1.0, 1)}  # t1 belongs to the route of its first call


def test_failed_calls_neither_lower_tokens_per_request_nor_count_as_unpriced(tmp_path):
    """As LiteLLM and OpenTelemetry write them: a failure with 0 tokens, a failure with none."""
    base = {"timestamp": "2026-10-05T09:00:00Z", "route": "chat", "model": "no-such-model", "latency_ms": 10}
    calls = [
        {**base, "request_id": "ok1", "status": "ok", "input_tokens": 100, "output_tokens": 20},
        {**base, "request_id": "ok2", "status": "ok", "input_tokens": 60, "output_tokens": 20, "cost_usd": 0.01},
        {**base, "request_id": "fail0", "status": "error", "input_tokens": 0, "output_tokens": 0},
        {**base, "request_id": "failnone", "status": "rate_limited"},
    ]
    con = db.connect(tmp_path / "f.duckdb")
    _load(con, tmp_path, calls)
    metrics.compute(con)
    rows = dict(con.execute("select metric, (value, sample_size) from metrics where grain = 'day' and dimension = 'all'"
                            " and metric in ('tokens_per_request', 'unpriced_rate')").fetchall())
    assert rows["tokens_per_request"] == (100.0, 2)  # (120 + 80) / the 2 ok calls, not / 3
    # ok1 and fail0 report tokens but no known price; ok2 logs a cost; failnone has nothing to price
    assert rows["unpriced_rate"] == (2 / 3, 3)


WEEK_QUANTILES = {"latency_p50_ms", "latency_p90_ms", "latency_p95_ms", "latency_p99_ms", "ttft_p50_ms", "ttft_p95_ms"}


def _week_quantile(key: tuple) -> bool:
    return key[0] == "week" and key[4] in WEEK_QUANTILES


def _expect(got: dict, exact_records: list, week_quantile_records: list) -> list:
    """Mismatches against the reference: every metric over exact_records, except the weeks'
    quantiles, which are over week_quantile_records (the calls of their last recompute)."""
    now, then = all_metrics(exact_records), all_metrics(week_quantile_records)
    want = {key: value for key, value in now.items() if not _week_quantile(key)}
    want |= {key: value for key, value in then.items() if _week_quantile(key)}
    want |= {key: (None, 0) for key in now if _week_quantile(key) and key not in then}
    assert set(got) == set(want)
    return [(key, got[key], want[key]) for key in want if want[key] != got[key]]


def test_a_weeks_quantiles_are_recomputed_daily_and_every_other_metric_after_every_run(tmp_path, records):
    con = db.connect(tmp_path / "daily.duckdb")
    tuesday = CLOCK + timedelta(days=1)
    steps = [tuesday + timedelta(hours=h) for h in (10, 14, 34, 44)] + [CLOCK + timedelta(days=7)]
    stamp = [s.strftime("%Y-%m-%dT%H:%M:%SZ") for s in steps]
    parts = [[r for r in records if r["timestamp"] < stamp[0]]]
    parts += [[r for r in records if stamp[i] <= r["timestamp"] < stamp[i + 1]] for i in range(4)]
    assert all(parts) and sum(map(len, parts)) == len(records)
    assert all(r["timestamp"][:10] == "2026-10-07" for r in parts[3]) and max(r["timestamp"] for r in parts[4]) > "2026-10-08"
    seen: list = []
    recomputed_with: list = []
    # through Tuesday 10:00 (first run: full) · to 14:00 (the same day: the week's quantiles stand) ·
    # to Wednesday 10:00 (a new day: recomputed) · to 20:00 (the same day: they stand) · the rest,
    # into Thursday (recomputed)
    for i, part in enumerate(parts):
        _load(con, tmp_path, part, f"part{i}.jsonl")
        metrics.compute(con)
        seen += part
        if i in (0, 2, 4):
            recomputed_with = list(seen)
        if i == 3:
            stood = con.execute(
                "select count(*) from metrics where grain = 'week' and metric = 'latency_p95_ms' and sample_size <"
                " (select sample_size from metrics where grain = 'week' and dimension = 'all' and metric = 'requests')"
            ).fetchone()[0]
            assert stood > 0  # the week's quantiles are over fewer calls than the week holds
        assert _expect(_metrics_table(con), seen, recomputed_with) == []
    # a late call of Monday, which the week's quantiles had already covered: recomputed at once
    late = dict(records[0], request_id="late-1", timestamp="2026-10-05T03:00:00Z", latency_ms=99999.0)
    _load(con, tmp_path, [late], "late.jsonl")
    metrics.compute(con)
    seen.append(late)
    assert _expect(_metrics_table(con), seen, seen) == []


def test_a_weeks_quantiles_are_brought_up_to_date_by_the_first_run_after_it_ends(tmp_path):
    from tests.conftest import record

    con = db.connect(tmp_path / "close.duckdb")
    sunday = [record(request_id=f"s{i}", timestamp=f"2026-10-11T{hour:02d}:10:00Z", latency_ms=100.0 + i)
              for i, hour in enumerate((0, 5, 9, 13, 23))]
    for i, call in enumerate(sunday):  # Sunday's calls, one run each: the week's quantiles stand after the first
        _load(con, tmp_path, [call], f"sunday{i}.jsonl")
        metrics.compute(con)
    monday = record(request_id="m1", timestamp="2026-10-12T00:05:00Z", latency_ms=5.0)
    before = _metrics_table(con)[("week", CLOCK, "all", "all", "latency_p50_ms")]
    assert before == (100.0, 1)
    metrics.compute(con, weeks_ended_by=CLOCK + timedelta(days=6))  # the week has not ended by then
    assert _metrics_table(con)[("week", CLOCK, "all", "all", "latency_p50_ms")] == (100.0, 1)
    _load(con, tmp_path, [monday], "monday.jsonl")
    metrics.compute(con)
    got = _metrics_table(con)
    assert got[("week", CLOCK, "all", "all", "latency_p50_ms")] == (102.0, 5)  # the whole of Sunday
    assert got[("week", CLOCK + timedelta(days=7), "all", "all", "latency_p50_ms")] == (5.0, 1)
    assert _expect(got, sunday + [monday], sunday + [monday]) == []


def test_a_digests_week_has_quantiles_over_all_its_calls_without_a_later_call(tmp_path):
    from tests.conftest import record

    con = db.connect(tmp_path / "ended.duckdb")
    sunday = [record(request_id=f"s{i}", timestamp=f"2026-10-11T{hour:02d}:10:00Z", latency_ms=100.0 + i)
              for i, hour in enumerate((0, 9, 23))]
    for i, call in enumerate(sunday):
        _load(con, tmp_path, [call], f"sunday{i}.jsonl")
        metrics.compute(con)
    assert _metrics_table(con)[("week", CLOCK, "all", "all", "latency_p50_ms")] == (100.0, 1)
    metrics.compute(con, weeks_ended_by=CLOCK + timedelta(days=7))  # what the weekly digest runs first
    assert _metrics_table(con)[("week", CLOCK, "all", "all", "latency_p50_ms")] == (101.0, 3)
    assert _expect(_metrics_table(con), sunday, sunday) == []
