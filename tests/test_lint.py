"""ruff over the Python and sqlfluff (DuckDB dialect) over sql/, with the repository's own
configuration (pyproject.toml's [tool.ruff], .sqlfluff): `.ci/run` runs both through this test."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _run(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff_passes():
    done = _run(str(BIN / "ruff"), "check", ".")
    assert done.returncode == 0, done.stdout + done.stderr


def test_sqlfluff_passes_on_every_sql_file():
    done = _run(str(BIN / "sqlfluff"), "lint", "sql", "--processes", "2", "--disable-progress-bar")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "All Finished" in done.stdout
