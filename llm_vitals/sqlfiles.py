"""Loads the statements kept in sql/ (installed as llm_vitals.sql)."""

import re
from functools import cache
from importlib.resources import files

from llm_vitals.errors import VitalsError

_PARAMETER = re.compile(r"\$([a-z_][a-z0-9_]*)")
_COMMENT = re.compile(r"--[^\n]*")
_COMMENT_LINE = re.compile(r"^\s*--[^\n]*$", re.M)


@cache
def load(name: str) -> str:
    """Returns the text of sql/<name>.sql. Raises VitalsError naming the file when it is missing."""
    resource = files("llm_vitals.sql") / f"{name}.sql"
    if not resource.is_file():
        raise VitalsError(f"SQL file sql/{name}.sql is missing from the installation.", hint="Reinstall llm-vitals.")
    return resource.read_text(encoding="utf-8")


def statements(name: str) -> list[str]:
    """Returns the statements of sql/<name>.sql, split at semicolons that end a line of code."""
    code = _COMMENT_LINE.sub("", load(name))  # a comment ending in ';' must not end a statement
    return [part.strip() for part in re.split(r";\s*$", code, flags=re.M) if _has_code(part)]


def parameters_for(statement: str, values: dict[str, object]) -> dict[str, object]:
    """Returns the subset of values that the statement names as $parameters."""
    code = _COMMENT.sub("", statement)
    wanted = set(_PARAMETER.findall(code))
    return {name: value for name, value in values.items() if name in wanted}


def _has_code(text: str) -> bool:
    return any(line.strip() and not line.strip().startswith("--") for line in text.splitlines())
