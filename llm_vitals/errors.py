"""Typed errors. Each message says what failed, the values involved, and what to do next."""


class VitalsError(Exception):
    """Root of every error llm-vitals raises on purpose. `transient` errors are worth a retry."""

    transient = False

    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        self.hint = hint

    def __str__(self) -> str:
        message = super().__str__()
        return f"{message} {self.hint}" if self.hint else message


class ConfigError(VitalsError):
    """A setting is missing or has a value that cannot work."""


class SourceError(VitalsError):
    """A source could not be found or read as a whole (a bad record is not an error: it is rejected)."""


class DatabaseBusyError(VitalsError):
    """Another process holds the DuckDB file's write lock."""

    transient = True


class DatabaseError(VitalsError):
    """DuckDB refused a statement or the file is not a usable llm-vitals database."""


class QueryRefused(VitalsError):
    """An ad hoc query tried to write, attach or reach outside the database."""


class NothingToReport(VitalsError):
    """A digest or review was asked for a week, month or tenant without calls: nothing is posted."""
