"""Retry policy shared by the tasks: retry what the error type marks transient, and timeouts; nothing else."""

from typing import Any


def transient_only(task: Any, task_run: Any, state: Any) -> bool:
    """Returns True when the failed state holds a transient error (e.g. a busy database) or a timeout."""
    try:
        state.result()
    except TimeoutError:  # the task's timeout_seconds ran out; its transaction rolled back
        return True
    except Exception as exc:  # the state re-raises the task's own exception
        return bool(getattr(exc, "transient", False))
    return False
