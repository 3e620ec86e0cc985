"""Loads the statements kept in sql/ (installed as llm_vitals.sql)."""

import re
from functools import cache
from importlib.resources import files

from llm_vitals.errors import VitalsError

_PARAMETER = re.compile(r"\$([a-z_][a-z0-9_]*)")
_COMMENT = re.compile(r"--[^\n]*")


@cache
def load(name: str) -> str:
    """Returns the text of sql/<name>.sql. Raises VitalsError naming the file when it is missing."""
    resource = files("llm_vitals.sql") / f"{name}.sql"
    if not resource.is_file():
        raise VitalsError(f"SQL file sql/{name}.sql is missing from the installation.", hint="Reinstall llm-vitals.")
    return resource.read_text(encoding="utf-8")


@cache
def statements(name: str) -> tuple[str, ...]:
    """Returns the statements of sql/<name>.sql, split by DuckDB's own parser (so a ';' inside a
    string or a comment never ends one). Raises VitalsError naming the file when it does not parse."""
    import duckdb

    try:
        return tuple(statement.query.strip() for statement in duckdb.extract_statements(load(name)))
    except duckdb.Error as exc:
        raise VitalsError(f"SQL file sql/{name}.sql does not parse: {str(exc).strip().splitlines()[0]}",
                          hint="The installed package is damaged or was edited: reinstall llm-vitals.") from exc


def parameters_for(statement: str, values: dict[str, object]) -> dict[str, object]:
    """Returns the subset of values that the statement names as $parameters."""
    code = _COMMENT.sub("", statement)
    wanted = set(_PARAMETER.findall(code))
    return {name: value for name, value in values.items() if name in wanted}
