"""Long jobs are plain generators that yield (fraction, message) progress.

A job stops between yields when its cancel flag is set; whoever drives it (a CLI loop, a
test, the desktop's worker thread) decides how progress is shown. The job's result is the
generator's return value.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Generator
from typing import TypeVar

T = TypeVar("T")
Progress = tuple[float, str]
Job = Generator[Progress, None, T]


class Cancelled(Exception):
    """Raised by `drive` when the cancel flag stopped a job."""


def drive(job: Job[T], progress: Callable[[float, str], None] | None = None,
          cancel: threading.Event | None = None) -> T:
    """Run `job` to completion, forwarding progress; raise `Cancelled` if `cancel` is set."""
    try:
        while True:
            if cancel is not None and cancel.is_set():
                job.close()
                raise Cancelled("cancelled")
            fraction, message = next(job)
            if progress is not None:
                progress(fraction, message)
    except StopIteration as stop:
        return stop.value


def scaled(job: Job[T], start: float, end: float) -> Job[T]:
    """`job` with its progress mapped onto [start, end] of an enclosing job's scale."""
    try:
        while True:
            fraction, message = next(job)
            yield start + (end - start) * fraction, message
    except StopIteration as stop:
        return stop.value
    finally:
        job.close()  # cancelling the enclosing job cancels this one at once, not at GC
