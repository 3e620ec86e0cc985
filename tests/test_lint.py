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


def test_no_sql_statement_is_written_inline_in_python():
    """Every DuckDB statement lives in sql/ and runs through llm_vitals.db: no `.execute`, `.sql`
    or `.query` call in the package, the tasks or the flows passes a string written in Python."""
    import ast

    inline = []
    for folder in ("llm_vitals", "tasks", "flows"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr in {"execute", "executemany", "sql", "query"} and node.args
                        and isinstance(node.args[0], ast.Constant | ast.JoinedStr)):
                    inline.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert inline == []
