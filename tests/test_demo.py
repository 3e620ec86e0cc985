"""`llm-vitals demo` runs the whole pipeline on generated logs and shows the three incidents."""

import pytest

from llm_vitals.cli import main

pytestmark = pytest.mark.slow


def test_demo_finds_the_three_incidents(tmp_path, capsys):
    assert main(["demo", "--dir", str(tmp_path / "demo")]) == 0
    out = capsys.readouterr().out
    assert "rejected               5" in out and "duplicates            20" in out
    assert "Alerts from `llm-vitals check` run at each midnight of the last week (3):" in out
    for alert in ("parser_failure_rate on route extract", "timeout_rate on model gemini-2.5-flash",
                  "retrieval_empty_rate on tenant t04"):
        assert alert in out
    assert out.count(", resolved ") == 3
    assert "llm-vitals check --db" in out and (tmp_path / "demo" / "llm-vitals.duckdb").exists()


def test_the_demos_suggestions_run_as_printed(tmp_path, capsys):
    """Every command the demo suggests works on a fresh install: nothing it names is missing."""
    import shlex
    import subprocess
    import sys

    assert main(["demo", "--dir", str(tmp_path / "demo"), "--days", "8"]) == 0
    out = capsys.readouterr().out
    suggestions = out.split("Next, try:\n", 1)[1].splitlines()
    commands = [shlex.split(line.split("   #")[0]) for line in suggestions if line.startswith("  ")]
    assert [c[0] for c in commands] == ["llm-vitals"] * 3 + [sys.executable]
    for command in commands[:3]:
        assert main(command[1:]) in (0, 1), command
    shown = subprocess.run(commands[3], capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0 and "requests" in shown.stdout and "metrics_daily" in shown.stdout


def test_the_readme_deploys_on_the_logs_the_demo_writes():
    import re
    from pathlib import Path

    from llm_vitals.settings import Settings

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    sources = re.findall(r"LLM_VITALS_SOURCE=\$PWD/(\S+)", readme)
    assert sources and set(sources) == {f"{Settings().demo_dir}/logs"}
