"""Runs engine jobs in a child process, one at a time, as Qt signals in the GUI thread."""
from __future__ import annotations

import itertools
import logging
import multiprocessing
import queue
from collections import deque
from typing import Any

from PySide6.QtCore import QObject, QTimer

from desktop.workers import JobSignals
from engine.worker_process import serve

log = logging.getLogger(__name__)
POLL_MS = 30


class ProcessJob:
    """Handle of one submitted job: its signals, and `cancel()`."""

    def __init__(self, runner: ProcessRunner, job_id: int) -> None:
        self.runner, self.id = runner, job_id
        self.signals = JobSignals()

    def cancel(self) -> None:
        self.runner.cancel(self.id)


class ProcessRunner(QObject):
    """A queue of jobs for one worker process (started on first use, restarted after a crash).

    Jobs are engine generator functions named "module:function"; the GUI thread only polls a
    queue with `get_nowait`, so it never waits on the worker.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ctx = multiprocessing.get_context("spawn")  # no fork of a process running Qt
        self._process = None
        self._requests = self._events = self._cancel = None
        self._pending: deque[tuple[ProcessJob, str, tuple, dict]] = deque()
        self._running: ProcessJob | None = None
        self._ids = itertools.count(1)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._poll)

    def submit(self, target: str, *args: Any, **kwargs: Any) -> ProcessJob:
        job = ProcessJob(self, next(self._ids))
        self._pending.append((job, target, args, kwargs))
        self._start_next()
        return job

    def cancel(self, job_id: int) -> None:
        for entry in list(self._pending):
            if entry[0].id == job_id:
                self._pending.remove(entry)
                entry[0].signals.cancelled.emit()
                return
        if self._running is not None and self._running.id == job_id:
            self._cancel.set()  # the job stops at its next progress step

    def busy(self) -> int:
        return len(self._pending) + (self._running is not None)

    def shutdown(self, timeout: float = 5.0) -> None:
        self._timer.stop()
        self._pending.clear()
        if self._process is not None and self._process.is_alive():
            self._cancel.set()
            self._requests.put(None)
            self._process.join(timeout)
            if self._process.is_alive():
                self._process.terminate()
        self._process = None

    # -- internals ---------------------------------------------------------------------------
    def _ensure_process(self) -> None:
        if self._process is not None and self._process.is_alive():
            return
        self._requests, self._events = self._ctx.Queue(), self._ctx.Queue()
        self._cancel = self._ctx.Event()
        self._process = self._ctx.Process(target=serve, name="moviola-analysis", daemon=True,
                                          args=(self._requests, self._events, self._cancel))
        self._process.start()

    def _start_next(self) -> None:
        if self._running is not None or not self._pending:
            return
        self._ensure_process()
        job, target, args, kwargs = self._pending.popleft()
        self._running = job
        self._requests.put((job.id, target, args, kwargs))
        self._timer.start(POLL_MS)

    def _poll(self) -> None:
        while self._running is not None:
            try:
                event = self._events.get_nowait()
            except queue.Empty:
                if not self._process.is_alive():
                    self._finish(lambda s: s.failed.emit(
                        f"the analysis process stopped unexpectedly (exit code {self._process.exitcode})"))
                return
            kind, job_id = event[0], event[1]
            if job_id != self._running.id:
                continue  # a late message from a job that was already settled
            signals = self._running.signals
            if kind == "progress":
                signals.progress.emit(float(event[2]), str(event[3]))
            elif kind == "done":
                self._finish(lambda s: s.finished.emit(event[2]))
            elif kind == "failed":
                self._finish(lambda s: s.failed.emit(event[2]))
            else:
                self._finish(lambda s: s.cancelled.emit())
        if self._running is None and not self._pending:
            self._timer.stop()

    def _finish(self, emit) -> None:
        job, self._running = self._running, None
        emit(job.signals)
        self._start_next()
