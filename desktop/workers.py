"""Run engine work off the GUI thread and report back through Qt signals.

Engine jobs are plain functions or generators yielding (fraction, message); this module is
the only place that turns them into Qt signals, so the engine stays free of Qt.
"""
from __future__ import annotations

import inspect
import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)


class JobSignals(QObject):
    """Signals of one job; lives in the GUI thread so connected slots run there."""

    progress = Signal(float, str)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()


class Job(QRunnable):
    """One unit of background work: `fn(*args)` returns a value or a progress generator."""

    def __init__(self, fn: Callable[..., Any], *args: Any) -> None:
        super().__init__()
        self.fn, self.args = fn, args
        self.signals = JobSignals()
        self.cancel_event = threading.Event()

    def cancel(self) -> None:
        self.cancel_event.set()

    def run(self) -> None:  # worker thread
        from engine.jobs import Cancelled, drive
        from engine.media import MediaError

        try:
            result = self.fn(*self.args)
            if inspect.isgenerator(result):
                result = drive(result, self.signals.progress.emit, self.cancel_event)
        except Cancelled:
            self.signals.cancelled.emit()
            return
        except Exception as exc:  # the GUI shows a message, never a traceback
            if isinstance(exc, MediaError):
                message = str(exc)
            else:
                log.exception("background job failed")
                message = f"unexpected error: {exc}"
            self.signals.failed.emit(message)
            return
        self.signals.finished.emit(result)


def start(job: Job, pool: QThreadPool | None = None) -> Job:
    """Queue `job` on `pool` (the global pool by default) and return it."""
    job.setAutoDelete(False)  # the caller may still hold it to cancel
    (pool or QThreadPool.globalInstance()).start(job)
    return job
