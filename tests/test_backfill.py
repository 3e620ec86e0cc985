"""Backfill: re-ingests a range and recomputes it, idempotently; the result equals a fresh build."""

import json

from llm_vitals import db, pipeline
from llm_vitals.cli import main
from llm_vitals.settings import Settings
from tests.conftest import generated_records, write_jsonl

CALLS = "select * exclude (batch_id) from requests order by request_id"
METRICS = "select * from metrics order by all"
CELLS = "select * from metric_cells order by all"
REJECTED = "select source_file, line_no, reason from rejected_records order by all"


def _state(path) -> dict:
    con = db.connect(path, read_only=True)
    try:
        return {name: con.execute(sql).fetchall() for name, sql in
                (("calls", CALLS), ("metrics", METRICS), ("cells", CELLS), ("rejected", REJECTED))}
    finally:
        con.close()


def _files(folder, records):
    folder.mkdir(exist_ok=True)
    half = len(records) // 2
    write_jsonl(folder / "a.jsonl", records[:half] + ["{not json"])
    write_jsonl(folder / "b.jsonl", records[half:])
    return [str(folder)]


def _settings(path, sources) -> Settings:
    return Settings(db=path, source=sources, memory_limit=None, data_docs_dir=None, read_copy=False)


def test_a_backfill_is_idempotent_and_equals_a_fresh_build_of_the_changed_files(tmp_path):
    records = generated_records(3000, days=3)
    sources = _files(tmp_path / "logs", records)
    settings = _settings(tmp_path / "vitals.duckdb", sources)
    pipeline.ingest_sources(settings)
    pipeline.compute_metrics(settings)
    before = _state(settings.db)

    day2 = ("2026-10-06T00:00:00+00:00", "2026-10-07T00:00:00+00:00")
    assert main(["backfill", "--db", str(settings.db), *sources, "--start", day2[0], "--end", day2[1]]) == 0
    assert _state(settings.db) == before  # the same files: nothing changes
    assert main(["backfill", "--db", str(settings.db), *sources, "--start", day2[0], "--end", day2[1]]) == 0
    assert _state(settings.db) == before  # twice: still nothing

    # the logs of day 2 are corrected upstream: one call dropped, latencies fixed
    corrected = [dict(r, latency_ms=r["latency_ms"] + 1) if r["timestamp"].startswith("2026-10-06") else r
                 for r in records if r["request_id"] != next(x["request_id"] for x in records if x["timestamp"].startswith("2026-10-06"))]
    _files(tmp_path / "logs", corrected)
    assert main(["backfill", "--db", str(settings.db), *sources, "--start", day2[0], "--end", day2[1]]) == 0
    after = _state(settings.db)
    fresh = _settings(tmp_path / "fresh.duckdb", sources)
    pipeline.ingest_sources(fresh)
    pipeline.compute_metrics(fresh, full=True)
    assert after == _state(fresh.db)
    assert after != before and len(after["calls"]) == len(before["calls"]) - 1
    # re-read lines are not rejected twice; the bad line moved up one, with the call dropped above it
    assert [(f, n + 1, r) for f, n, r in after["rejected"]] == before["rejected"]


def test_a_backfill_without_a_range_says_how_to_give_one(tmp_path, capsys):
    assert main(["backfill", "--db", str(tmp_path / "x.duckdb"), "--start", "2026-10-07", "--end", "2026-10-06"]) == 2
    assert "is empty or incomplete. Give --start and --end" in capsys.readouterr().err


def test_writing_commands_publish_a_read_copy_that_matches_the_database(tmp_path):
    sources = _files(tmp_path / "logs", generated_records(500, days=1))
    path = tmp_path / "vitals.duckdb"
    assert main(["monitor", "--db", str(path), *sources]) == 0
    copy = Settings(db=path).read_copy_path
    assert copy.name == "vitals.read.duckdb"
    assert _state(copy) == _state(path)
    assert json.loads(json.dumps(_state(copy)["calls"][0], default=str))  # a real, readable DuckDB file
