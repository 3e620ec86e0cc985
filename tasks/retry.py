"""Retry policy shared by the tasks: retry what the error type marks transient, nothing else."""

from typing import Any


def transient_only(task: Any, task_run: Any, state: Any) -> bool:
    """Returns True when the failed state holds an error whose type is transient (e.g. a busy database)."""
    try:
        state.result()
    except Exception as exc:  # the state re-raises the task's own exception
        return bool(getattr(exc, "transient", False))
    return False
