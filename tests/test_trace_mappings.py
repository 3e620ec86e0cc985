"""The worked mappings of examples/mappings on real public traces: the Azure LLM inference trace
2023 (Azure Public Dataset, Microsoft, CC-BY 4.0) and RAGPulse (flashserve/RAGPulse, MIT). Their
first rows are in tests/data/traces with the licenses; the whole traces are read too where
../shared/data holds them. Every figure is recomputed from the files with Python's csv and json."""

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from llm_vitals import db, pipeline
from llm_vitals.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "tests" / "data" / "traces"
SHARED = ROOT.parent / "shared" / "data"
MAPPINGS = ROOT / "examples" / "mappings"
RAGPULSE_ORIGIN = datetime(2025, 9, 10, 4, tzinfo=UTC)


def _azure_files():
    files = [("sample", SAMPLES / "AzureLLMInferenceTrace_code.head.csv", "code")]
    for kind in ("code", "conv"):
        full = SHARED / "azure-llm-inference-2023" / f"AzureLLMInferenceTrace_{kind}.csv"
        if full.exists():
            files.append(("full", full, kind))
    return files


def _ragpulse_files():
    files = [("sample", SAMPLES / "ragpulse_0_trace.head.jsonl")]
    full = SHARED / "ragpulse" / "0_trace.jsonl"
    if full.exists():
        files.append(("full", full))
    return files


def _ingest(tmp_path, path: Path, mapping: Path):
    settings = Settings(db=tmp_path / "traces.duckdb", data_docs_dir=None, read_copy=False, mapping=mapping)
    summary = pipeline.ingest_sources(settings, [str(path)])
    pipeline.compute_metrics(settings)
    return settings, summary


@pytest.mark.parametrize("which, path, kind", _azure_files(), ids=lambda v: str(v).rsplit("/", 1)[-1])
def test_the_azure_trace_is_read_exactly(tmp_path, which, path, kind):
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    settings, summary = _ingest(tmp_path, path, MAPPINGS / f"azure-llm-inference-2023-{kind}.yaml")
    assert (summary.accepted, summary.rejected, summary.duplicates) == (len(rows), 0, 0)
    if which == "full":
        assert len(rows) == {"code": 8_819, "conv": 19_366}[kind]  # the trace's own row counts
    con = db.connect(settings.db, read_only=True)
    stored = con.execute("select started_at, input_tokens, output_tokens, route, status from requests"
                         " order by started_at, input_tokens, output_tokens").fetchall()
    week = dict(con.execute("select metric, value from metrics where grain = 'week' and dimension = 'all'").fetchall())
    con.close()

    def instant(text: str) -> datetime:  # seven decimals, read to the microsecond
        whole, fraction = text.split(".")
        return datetime.fromisoformat(f"{whole}.{fraction[:6]}").replace(tzinfo=UTC)

    expected = sorted((instant(r["TIMESTAMP"]), int(r["ContextTokens"]), int(r["GeneratedTokens"]), kind, "ok") for r in rows)
    assert stored == expected
    assert week["requests"] == len(rows)
    tokens = sum(int(r["ContextTokens"]) + int(r["GeneratedTokens"]) for r in rows)
    assert week["tokens_per_request"] == tokens / len(rows)


@pytest.mark.parametrize("which, path", _ragpulse_files(), ids=lambda v: str(v).rsplit("/", 1)[-1])
def test_the_ragpulse_trace_is_read_exactly(tmp_path, which, path):
    text = path.read_text().splitlines()
    lines = [json.loads(line) for line in text if line.strip()]  # the whole trace ends with a blank line
    settings, summary = _ingest(tmp_path, path, MAPPINGS / "ragpulse.yaml")
    assert (summary.accepted, summary.rejected, summary.duplicates, summary.blank) == (len(lines), 0, 0, len(text) - len(lines))
    if which == "full":
        assert (len(lines), len({line["session_id"] for line in lines})) == (7_106, 3_990)  # the trace's own figures
    con = db.connect(settings.db, read_only=True)
    stored = con.execute("select started_at, input_tokens, output_tokens, task_id, retrieved_docs from requests"
                         " order by all").fetchall()
    tasks = con.execute("select count(distinct task_id) from requests").fetchall()[0][0]
    weeks = con.execute("select segment, value, sample_size from metrics where grain = 'week' and dimension = 'all'"
                        " and metric = 'retrieval_empty_rate' order by segment").fetchall()
    con.close()
    expected = sorted((RAGPULSE_ORIGIN + timedelta(seconds=int(line["timestamp"])), line["input_length"], line["output_length"],
                       line["session_id"], len(line["hash_ids"]["passages_ids"])) for line in lines)
    assert stored == expected
    assert tasks == len({line["session_id"] for line in lines})
    by_week: dict[str, list[int]] = {}  # ISO weeks start on Monday 00:00 UTC
    for line in lines:
        at = RAGPULSE_ORIGIN + timedelta(seconds=int(line["timestamp"]))
        monday = (at - timedelta(days=at.weekday())).strftime("%Y-%m-%d")
        counts = by_week.setdefault(monday, [0, 0])
        counts[0] += not line["hash_ids"]["passages_ids"]
        counts[1] += 1
    assert [(value, n) for _, value, n in weeks] == [(k / n, n) for _, (k, n) in sorted(by_week.items())]
