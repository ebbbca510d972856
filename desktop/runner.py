"""One way to run engine jobs off the GUI thread: a runner turns them into Qt signals.

An engine job is a function, usually a generator (see `engine.jobs`): it yields progress,
streamed text or partial results and returns its result. `runner.submit(target, *args)`
queues it and returns a `Job` handle whose signals fire on the GUI thread — ``progress``,
``text``, ``partial`` while it runs, then exactly one of ``finished``, ``failed`` or
``cancelled`` — and whose ``cancel()`` is the one way to stop it.

Where a job runs is the runner's choice, not the job's:

- `ProcessRunner` (the default for all real work) runs jobs in a worker process: anything
  that runs torch, decodes or encodes video, or can crash in native code — analysis,
  proposals, script generation, VFX tracking and renders, probing and poster frames of new
  media. A crash there fails one job, a hung job is killed after a cancel, and the worker
  dies with the GUI. Targets are ``"package.module:function"`` names (or module-level
  functions) with picklable arguments and results.
- `ThreadRunner` runs jobs in threads of the GUI process: only short I/O on files the
  worker has already probed (thumbnails, waveforms, one preview frame). A thread cannot be
  killed, so a thread job that hangs is abandoned, not stopped.

The GUI thread never reads a pipe: a helper thread receives whole messages and hands them
over through a queued Qt signal, so a worker that dies mid-message cannot stall the window.
"""
from __future__ import annotations

import functools
import itertools
import logging
import multiprocessing
import os
import pickle
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer, Signal

from engine.jobs import Cancelled, Partial, Progress, Text, execute, failure_message

log = logging.getLogger(__name__)
CANCEL_GRACE_S = 3.0  # a running job gets this long to stop after a cancel, then is killed
KILL_GRACE_S = 1.0  # after SIGTERM, this long before SIGKILL
BATCH = 256  # messages handed to the GUI thread in one queued call at most


class Job(QObject):
    """The handle of one submitted job: its signals (emitted on the GUI thread) and `cancel()`.

    Exactly one of `finished`, `failed`, `cancelled` ends a job; nothing is emitted after it.
    """

    progress = Signal(float, str)  # fraction 0..1, what it is doing
    text = Signal(str)  # a piece of streamed text
    partial = Signal(object)  # a piece of the result
    finished = Signal(object)  # the result
    failed = Signal(str)  # one line for the editor
    cancelled = Signal()

    def __init__(self, runner: Runner, job_id: int, what: str) -> None:
        super().__init__()
        self.runner, self.id, self.what = runner, job_id, what
        self.state = "queued"  # → "running" → "done"

    @property
    def signals(self) -> Job:
        """The handle itself (older code connects to ``job.signals.<name>``)."""
        return self

    @property
    def done(self) -> bool:
        return self.state == "done"

    def cancel(self) -> None:
        """Stop the job: at once if queued, at its next step if running (killed if it hangs)."""
        self.runner.cancel(self)

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.what} {self.state}>"


@dataclass
class _Entry:
    job: Job
    target: str | Callable[..., Any]
    args: tuple
    kwargs: dict


class Runner(QObject):
    """A queue of jobs run `slots` at a time by an executor; see `ProcessRunner`, `ThreadRunner`."""

    # (messages,) from a helper thread; queued, so the slot runs on the GUI thread
    _arrived = Signal(object)

    def __init__(self, parent: QObject | None = None, *, slots: int = 1) -> None:
        super().__init__(parent)
        self.slots = slots
        self._ids = itertools.count(1)
        self._pending: deque[_Entry] = deque()
        self._running: dict[int, Job] = {}
        self._closed = False
        self._arrived.connect(self._on_messages, Qt.ConnectionType.QueuedConnection)

    # -- the API ---------------------------------------------------------------------------
    def submit(self, target: str | Callable[..., Any], *args: Any, **kwargs: Any) -> Job:
        """Queue ``target(*args, **kwargs)``; connect to the returned handle's signals.

        Nothing is emitted before control returns to the event loop, so connecting right
        after `submit` never misses a signal.
        """
        target = self._check_target(target)
        what = target if isinstance(target, str) else getattr(target, "__qualname__", repr(target))
        job = Job(self, next(self._ids), what)
        self._pending.append(_Entry(job, target, args, kwargs))
        self._start_next()
        return job

    def cancel(self, job: Job) -> None:
        """Cancel `job` (what `Job.cancel` calls)."""
        for entry in self._pending:
            if entry.job is job:
                self._pending.remove(entry)
                self._settle(job, "cancelled")
                return
        if self._running.get(job.id) is job and job.state == "running":
            job.state = "cancelling"
            self._request_cancel(job)
            QTimer.singleShot(int(CANCEL_GRACE_S * 1000), self, lambda j=job: self._cancel_overdue(j))

    def cancel_all(self) -> None:
        for job in [e.job for e in self._pending] + list(self._running.values()):
            job.cancel()

    def busy(self) -> int:
        """Jobs queued or running."""
        return len(self._pending) + len(self._running)

    def shutdown(self, timeout: float = 5.0) -> None:
        """Stop everything (call before the window goes away). Queued jobs are dropped without
        signals; running ones are cancelled and, after `timeout`, killed."""
        self._closed = True
        self._pending.clear()
        for job in self._running.values():
            if job.state == "running":
                self._request_cancel(job)  # renders remove their partial file when they stop
            job.state = "done"  # whatever still arrives is dropped
        self._running.clear()
        self._stop(timeout)
        self._closed = False  # a later submit starts afresh (a new worker process, if any)

    # -- what an executor provides ---------------------------------------------------------
    def _check_target(self, target):
        return target

    def _launch(self, entry: _Entry) -> bool:
        """Start `entry`; False to leave it queued for now."""
        raise NotImplementedError

    def _request_cancel(self, job: Job) -> None:
        raise NotImplementedError

    def _abandon(self, job: Job) -> None:
        """The job ignored its cancel: make sure it can no longer hold up the queue."""

    def _stop(self, timeout: float) -> None:
        pass

    # -- GUI thread ------------------------------------------------------------------------
    def _start_next(self) -> None:
        while self._pending and len(self._running) < self.slots and not self._closed:
            entry = self._pending.popleft()
            if not self._launch(entry):
                self._pending.appendleft(entry)
                return
            entry.job.state = "running"
            self._running[entry.job.id] = entry.job

    def _post(self, messages: list) -> None:
        """Hand messages to the GUI thread (called from helper threads)."""
        try:
            self._arrived.emit(messages)
        except RuntimeError:  # the runner was deleted with its window: nobody is listening
            pass

    def _on_messages(self, messages: list) -> None:
        for message in messages:
            self._on_message(message)

    def _on_message(self, message: tuple) -> None:
        kind, job_id = message[0], message[1]
        job = self._running.get(job_id)
        if job is None:
            return  # a job settled already (cancelled, killed): its late words are dropped
        if kind == "event":
            event = message[2]
            if isinstance(event, Progress):
                job.progress.emit(float(event.fraction), str(event.message))
            elif isinstance(event, Text):
                job.text.emit(event.text)
            elif isinstance(event, Partial):
                job.partial.emit(event.value)
        elif kind == "done":
            self._settle(job, "finished", message[2])
        elif kind == "failed":
            self._settle(job, "failed", message[2])
        elif kind == "cancelled":
            self._settle(job, "cancelled")

    def _settle(self, job: Job, how: str, payload: Any = None) -> None:
        if job.done:
            return
        job.state = "done"
        self._running.pop(job.id, None)
        if how == "finished":
            job.finished.emit(payload)
        elif how == "failed":
            job.failed.emit(payload)
        else:
            job.cancelled.emit()
        self._start_next()

    def _cancel_overdue(self, job: Job) -> None:
        if job.done or self._running.get(job.id) is not job:
            return
        log.warning("%s did not stop %.0f s after its cancel: stopping it", job.what, CANCEL_GRACE_S)
        self._abandon(job)
        self._settle(job, "cancelled")


# ============================================================================================
# worker process
# ============================================================================================

@dataclass
class _Worker:
    """One worker process and the GUI's ends of its pipes."""

    number: int
    process: Any
    requests: Any  # Connection the GUI writes to
    reader: threading.Thread | None = None
    retiring: bool = False  # being stopped: no new job goes to it
    exited: threading.Event = field(default_factory=threading.Event)


class ProcessRunner(Runner):
    """Runs jobs one at a time in a worker process (started on first use, restarted after
    a crash or a kill). Targets are ``"module:function"`` names or module-level functions.

    Args:
        name: the worker's process name (shows in `ps` as the multiprocessing name).
    """

    def __init__(self, parent: QObject | None = None, *, name: str = "moviola-worker") -> None:
        super().__init__(parent, slots=1)
        self.name = name
        self._ctx = multiprocessing.get_context("spawn")  # never fork a process running Qt
        self._worker: _Worker | None = None
        self._numbers = itertools.count(1)
        # Starting a process takes 30-150 ms (fork, exec, the first import), too long for the
        # GUI thread: a helper thread starts it and hands the worker over as a message. A
        # generation number tells a worker started before a shutdown from the current one.
        self._spawning: threading.Thread | None = None
        self._generation = 0
        self._fresh: dict[int, _Worker] = {}
        self._kill_timer = QTimer(self)
        self._kill_timer.setSingleShot(True)
        self._kill_timer.timeout.connect(self._kill_retiring)
        # Deleted with its window without a shutdown: the worker must not linger until exit.
        self._live: list[_Worker] = []
        self.destroyed.connect(functools.partial(_terminate_all, self._live))
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    def worker_pid(self) -> int | None:
        """The worker process's id, while there is one (for tests and diagnostics)."""
        return self._worker.process.pid if self._worker is not None else None

    def _check_target(self, target):
        if isinstance(target, str):
            return target
        qualname = getattr(target, "__qualname__", "")
        if "<" in qualname or not getattr(target, "__module__", None):
            raise TypeError(f"a worker-process job must be a module-level function, not {target!r}")
        return f"{target.__module__}:{qualname}"

    def _launch(self, entry: _Entry) -> bool:
        worker = self._worker
        if worker is not None and worker.retiring:
            return False  # the next job waits for a fresh worker
        if worker is None:
            self._spawn_in_background()
            return False  # it runs when the new worker is handed over
        try:
            worker.requests.send(("run", entry.job.id, entry.target, entry.args, entry.kwargs))
        except (OSError, EOFError):  # it died since its last word; its end-of-file is on the way
            self._retire(worker)
            return False
        except Exception as exc:  # unpicklable arguments: this job cannot run anywhere
            entry.job.state = "running"
            self._running[entry.job.id] = entry.job
            QTimer.singleShot(0, self, lambda j=entry.job, m=f"its arguments cannot be sent to the "
                              f"worker process ({exc})": self._settle(j, "failed", m))
            return True
        return True

    def _request_cancel(self, job: Job) -> None:
        worker = self._worker
        if worker is not None and not worker.retiring:
            try:
                worker.requests.send(("cancel", job.id))
            except (OSError, EOFError):
                pass  # it is dying anyway: its end-of-file settles the job

    def _abandon(self, job: Job) -> None:
        if self._worker is not None:
            self._retire(self._worker)

    def _spawn_in_background(self) -> None:
        if self._spawning is not None:
            return
        generation = self._generation
        self._spawning = threading.Thread(target=self._spawn_for, args=(generation,),
                                          name=f"{self.name}-start", daemon=True)
        self._spawning.start()

    def _spawn_for(self, generation: int) -> None:
        """Helper thread: start a worker and hand it to the GUI thread."""
        try:
            worker = self._spawn()
        except Exception as exc:  # noqa: BLE001 - e.g. no memory or file handles left
            self._post([("spawn-failed", generation, f"the worker process could not start ({exc})")])
            return
        self._fresh[generation] = worker
        self._post([("spawned", generation)])

    def _spawn(self) -> _Worker:
        requests_out, requests_in = self._ctx.Pipe(duplex=False)
        events_out, events_in = self._ctx.Pipe(duplex=False)
        from engine.worker_process import serve

        process = self._ctx.Process(target=serve, name=self.name, daemon=True,
                                    args=(requests_out, events_in, os.getpid()))
        process.start()
        # Only the worker holds these ends now: when it dies, however it dies, our read end
        # sees end-of-file instead of waiting forever for the rest of a message.
        requests_out.close()
        events_in.close()
        worker = _Worker(next(self._numbers), process, requests_in)
        self._live.append(worker)
        worker.reader = threading.Thread(target=self._read, args=(worker, events_out),
                                         name=f"{self.name}-reader", daemon=True)
        worker.reader.start()
        return worker

    def _read(self, worker: _Worker, events) -> None:
        """Helper thread: whole messages from the worker to the GUI thread, then its exit."""
        while True:
            try:
                data = events.recv_bytes()  # blocks here, never on the GUI thread
            except (EOFError, OSError):
                break
            batch = [self._decode(data)]
            while len(batch) < BATCH and events.poll(0):  # whatever else is already there
                try:
                    batch.append(self._decode(events.recv_bytes()))
                except (EOFError, OSError):
                    break
            self._post(batch)
        events.close()
        # Only this thread waits for the process, so two threads never race to reap it.
        worker.process.join(10)
        if worker.process.exitcode is None:
            worker.process.kill()
            worker.process.join()
        worker.exited.set()
        if worker in self._live:
            self._live.remove(worker)
        self._post([("exit", worker.number, worker.process.exitcode)])

    def _decode(self, data: bytes) -> tuple:
        try:
            return pickle.loads(data)
        except Exception as exc:  # noqa: BLE001 - e.g. a class the GUI process cannot import
            return ("unreadable", None, f"the worker's answer could not be read ({exc})")

    def _on_message(self, message: tuple) -> None:
        kind = message[0]
        if kind in ("spawned", "spawn-failed"):
            self._on_spawned(message[1], message[2] if kind == "spawn-failed" else None)
        elif kind == "exit":
            self._on_exit(message[1], message[2])
        elif kind == "unreadable":
            for job in list(self._running.values()):
                self._settle(job, "failed", message[2])
        else:
            super()._on_message(message)

    def _on_spawned(self, generation: int, error: str | None) -> None:
        worker = self._fresh.pop(generation, None)
        if generation != self._generation:  # started before a shutdown: not wanted any more
            if worker is not None:  # never waited for here: its reader thread reaps it
                worker.retiring = True
                worker.process.terminate()
            return
        self._spawning = None
        if error is not None:
            if self._pending:  # the job that asked for a worker fails; the next one tries again
                self._settle(self._pending.popleft().job, "failed", error)
            return
        self._worker = worker
        self._start_next()

    def _on_exit(self, number: int, exitcode: int | None) -> None:
        worker = self._worker
        if worker is None or worker.number != number:
            return
        self._worker = None
        self._kill_timer.stop()
        if not worker.retiring:
            reason = (f"killed by signal {-exitcode}" if exitcode is not None and exitcode < 0
                      else f"exit code {exitcode}")
            for job in list(self._running.values()):
                self._settle(job, "failed", f"the worker process stopped unexpectedly ({reason})")
        self._start_next()

    def _retire(self, worker: _Worker) -> None:
        """Stop `worker` (terminate, then kill); the next job gets a fresh one."""
        if worker.retiring:
            return
        worker.retiring = True
        worker.process.terminate()
        self._kill_timer.start(int(KILL_GRACE_S * 1000))

    def _kill_retiring(self) -> None:
        if self._worker is not None and self._worker.retiring and not self._worker.exited.is_set():
            self._worker.process.kill()

    def _stop(self, timeout: float) -> None:
        worker, self._worker = self._worker, None
        self._kill_timer.stop()
        # A worker still starting is waited for and stopped too; its hand-over is then stale.
        self._generation += 1
        starting, self._spawning = self._spawning, None
        if starting is not None:
            starting.join(timeout)
            for late in self._fresh.values():
                self._stop_worker(late, timeout)
            self._fresh.clear()
        if worker is not None:
            self._stop_worker(worker, timeout)

    def _stop_worker(self, worker: _Worker, timeout: float) -> None:
        worker.retiring = True
        try:
            worker.requests.send(("stop",))  # after the running job, which was asked to stop
        except (OSError, EOFError):
            pass
        if not worker.exited.wait(timeout):
            worker.process.terminate()
            if not worker.exited.wait(KILL_GRACE_S):
                worker.process.kill()
                worker.exited.wait(KILL_GRACE_S)
        worker.requests.close()


def _terminate_all(workers: list[_Worker], *_args) -> None:
    for worker in list(workers):
        if not worker.exited.is_set():
            worker.process.terminate()


# ============================================================================================
# threads
# ============================================================================================

class ThreadRunner(Runner):
    """Runs jobs in threads of the GUI process, `slots` at a time: short I/O only.

    Targets are functions (lambdas too) or ``"module:function"`` names.
    """

    def __init__(self, parent: QObject | None = None, *, slots: int = 2) -> None:
        super().__init__(parent, slots=slots)
        self._cancels: dict[int, threading.Event] = {}
        self._threads: dict[int, threading.Thread] = {}

    def _launch(self, entry: _Entry) -> bool:
        cancel = self._cancels[entry.job.id] = threading.Event()
        thread = self._threads[entry.job.id] = threading.Thread(
            target=self._work, args=(entry, cancel), name="moviola-job", daemon=True)
        thread.start()
        return True

    def _work(self, entry: _Entry, cancel: threading.Event) -> None:  # helper thread
        job_id = entry.job.id

        def emit(event) -> None:
            self._post([("event", job_id, event)])

        try:
            result = execute(entry.target, entry.args, entry.kwargs, emit, cancel)
        except Cancelled:
            self._post([("cancelled", job_id)])
        except Exception as exc:  # noqa: BLE001 - one line for the editor, details in the log
            from engine.media.errors import MediaError

            if not isinstance(exc, MediaError):
                log.exception("job %s failed", entry.job.what)
            self._post([("failed", job_id, failure_message(exc))])
        else:
            self._post([("done", job_id, result)])

    def _request_cancel(self, job: Job) -> None:
        self._cancels[job.id].set()

    def _settle(self, job: Job, how: str, payload: Any = None) -> None:
        self._cancels.pop(job.id, None)
        self._threads.pop(job.id, None)  # an abandoned thread runs on, unheard
        super()._settle(job, how, payload)

    def _stop(self, timeout: float) -> None:
        """Wait up to `timeout` for running threads (they may hold files the caller closes next)."""
        for cancel in self._cancels.values():
            cancel.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads.values():
            thread.join(max(0.0, deadline - time.monotonic()))
        self._cancels.clear()
        self._threads.clear()


_threads: ThreadRunner | None = None


def threads() -> ThreadRunner:
    """The application's shared `ThreadRunner` (thumbnails, waveforms)."""
    global _threads
    if _threads is None:
        _threads = ThreadRunner(QCoreApplication.instance())
    return _threads
