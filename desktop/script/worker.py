"""Language-model work for the script tab, off the GUI thread, reported through Qt signals.

`desktop.workers.Job` reports (fraction, message) progress; generation also streams text,
so this worker has its own signals: `loaded` once the model is ready (with the fallback
message, if any), `chunk` per streamed piece, `progress` for multi-step jobs, and one of
`finished` / `failed` / `cancelled` at the end. Messages are one line, never a traceback.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Signal

from engine.jobs import Cancelled

log = logging.getLogger(__name__)


class TaskSignals(QObject):
    """Created in the GUI thread, so slots connected to it run there (queued)."""

    loaded = Signal(str, bool, str)  # model id in use, fallback?, why the fallback ("" if none)
    chunk = Signal(int, str, float, int)  # variant, text, overall fraction, tokens of the variant
    progress = Signal(float, str)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()


class CancellableCompleter:
    """`ScriptGenerator.complete` that honours the task's cancel event (for the outline steps)."""

    def __init__(self, generator, cancel: threading.Event) -> None:
        self.generator, self.cancel = generator, cancel

    def complete(self, prompt: str, *, max_new_tokens: int = 60, seed: int | None = 0,
                 temperature: float = 0.8, stop: tuple[str, ...] = ()) -> str:
        from engine.script import SamplingParams

        if self.cancel.is_set():
            raise Cancelled("cancelled")
        params = SamplingParams(max_new_tokens=max_new_tokens, temperature=temperature,
                                variants=1, seed=seed)
        result = self.generator.generate(prompt, params, cancel=self.cancel)
        if result.cancelled:
            raise Cancelled("cancelled")
        text = result.variants[0] if result.variants else ""
        cuts = [text.find(s) for s in stop if s and s in text]
        return text[:min(cuts)] if cuts else text


class ScriptTask(QRunnable):
    """Load `generator`'s model, then run `work(task)`; its return value is `finished`'s payload.

    `work` may emit `self.signals.chunk` / `progress` and should check `self.cancel_event`.
    """

    def __init__(self, generator, work: Callable[[ScriptTask], Any]) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the tab keeps it to cancel and to read `done`
        self.generator, self.work = generator, work
        self.signals = TaskSignals()
        self.cancel_event = threading.Event()
        self.done = threading.Event()

    def cancel(self) -> None:
        self.cancel_event.set()

    def run(self) -> None:  # worker thread
        try:
            self.generator.load()
            self.signals.loaded.emit(self.generator.model_id, self.generator.fallback,
                                     self.generator.message or "")
            if self.cancel_event.is_set():
                raise Cancelled("cancelled")
            result = self.work(self)
        except Cancelled:
            self.signals.cancelled.emit()
        except Exception as exc:
            log.exception("script generation failed")
            self.signals.failed.emit(one_line(exc))
        else:
            self.signals.finished.emit(result)
        finally:
            self.done.set()


def one_line(exc: BaseException) -> str:
    """An exception as one short line for the tab."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= 240 else text[:239] + "…"


def stream_work(prompt: str, params) -> Callable[[ScriptTask], Any]:
    """Work that streams variants as `chunk` signals and returns the `GenerationResult`."""
    def work(task: ScriptTask):
        job = task.generator.stream(prompt, params, cancel=task.cancel_event)
        try:
            while True:
                piece = next(job)
                task.signals.chunk.emit(piece.variant, piece.text, piece.fraction, piece.tokens)
        except StopIteration as stop:
            return stop.value
        finally:
            job.close()
    return work


def step_work(step: Callable[..., Any], *args, **kwargs) -> Callable[[ScriptTask], Any]:
    """Work for one outline step `step(*args, lm, **kwargs)`, or a (fraction, message) job."""
    from engine.jobs import drive

    def work(task: ScriptTask):
        lm = CancellableCompleter(task.generator, task.cancel_event)
        result = step(*args, lm, **kwargs)
        if hasattr(result, "__next__"):
            result = drive(result, task.signals.progress.emit, task.cancel_event)
        return result
    return work
