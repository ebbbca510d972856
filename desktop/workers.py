"""Old names for thread jobs, kept until their last callers move to `desktop.runner`.

``start(Job(fn, *args))`` runs ``fn(*args)`` on the application's shared `ThreadRunner`:
short I/O only (see `desktop.runner` for what belongs in the worker process).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from desktop import runner


def Job(fn: Callable[..., Any], *args: Any) -> runner.Job:  # noqa: N802 - the old class name
    """``fn(*args)`` on the shared thread runner; its handle (signals, ``cancel()``)."""
    return runner.threads().submit(fn, *args)


def start(job: runner.Job, pool: Any = None) -> runner.Job:
    """Kept for old callers: `Job` has already queued the work (signals are only emitted
    once control is back in the event loop, so connecting between the two calls is safe)."""
    return job
