"""Long jobs are plain generators: they yield events and return their result.

An event is one of three small dataclasses:

- `Progress(fraction, message)`: how far the job is, 0..1 (a bare ``(fraction, message)``
  tuple means the same, and is what most jobs yield);
- `Text(text)`: a piece of streamed text (a language model's tokens as they come);
- `Partial(value)`: a piece of the result that is worth showing before the end.

The job's result is the generator's return value. A job stops between yields when whoever
drives it (a CLI loop, a test, the desktop's runner) sees its cancel flag and closes it; a job
that blocks for long between yields takes a ``cancel`` keyword (a `threading.Event`) and
watches it itself, and may then return what it has so far. Nothing here knows how events are
shown: `drive` and `run` hand them to callbacks.
"""
from __future__ import annotations

import importlib
import inspect
import threading
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar, Union

T = TypeVar("T")


@dataclass(frozen=True)
class Progress:
    """How far a job is (0..1) and what it is doing, in a few words."""

    fraction: float
    message: str = ""

    def __iter__(self) -> Iterator:
        # Code written for tuple progress unpacks this too: `fraction, message = event`.
        return iter((self.fraction, self.message))


@dataclass(frozen=True)
class Text:
    """A piece of streamed text, in order: the consumer appends it to what came before."""

    text: str


@dataclass(frozen=True)
class Partial:
    """Part of the result, worth showing before the job ends (plain, picklable data)."""

    value: Any


Event = Union[Progress, Text, Partial, tuple[float, str]]
Job = Generator[Event, None, T]


class Cancelled(Exception):
    """Raised by `drive` and `run` when the cancel flag stopped a job."""


def as_event(item: Any) -> Progress | Text | Partial:
    """A yielded item as an event: a bare ``(fraction, message)`` tuple is `Progress`."""
    if isinstance(item, (Progress, Text, Partial)):
        return item
    fraction, message = item
    return Progress(float(fraction), str(message))


def run(job: Job[T], emit: Callable[[Progress | Text | Partial], None] | None = None,
        cancel: threading.Event | None = None, *, job_watches_cancel: bool = False) -> T:
    """Run `job` to completion, handing each event to `emit`; return its result.

    Args:
        job: the generator.
        emit: called with each event (tuples arrive as `Progress`).
        cancel: when set, the job is closed before its next step and `Cancelled` is raised.
        job_watches_cancel: the job was given `cancel` itself and decides when to stop (it
            may return a partial result), so it is not closed here.

    Raises:
        Cancelled: `cancel` was set and the job was closed.
    """
    try:
        while True:
            if cancel is not None and cancel.is_set() and not job_watches_cancel:
                job.close()
                raise Cancelled("cancelled")
            event = as_event(next(job))
            if emit is not None:
                emit(event)
    except StopIteration as stop:
        return stop.value


def drive(job: Job[T], progress: Callable[[float, str], None] | None = None,
          cancel: threading.Event | None = None) -> T:
    """Run `job` to completion, forwarding progress; raise `Cancelled` if `cancel` is set.

    Streamed text and partial results are dropped: this is the loop for callers that only
    show progress (the CLI, tests).
    """
    def emit(event) -> None:
        if progress is not None and isinstance(event, Progress):
            progress(event.fraction, event.message)
    return run(job, emit, cancel)


def scaled(job: Job[T], start: float, end: float) -> Job[T]:
    """`job` with its progress mapped onto [start, end] of an enclosing job's scale.

    Progress keeps its form (tuple or `Progress`); text and partial results pass unchanged.
    """
    try:
        while True:
            item = next(job)
            if isinstance(item, (Text, Partial)):
                yield item
                continue
            fraction, message = item
            fraction = start + (end - start) * fraction
            yield Progress(fraction, message) if isinstance(item, Progress) else (fraction, message)
    except StopIteration as stop:
        return stop.value
    finally:
        job.close()  # cancelling the enclosing job cancels this one at once, not at GC


# -- running a job named by the desktop's runner -------------------------------------------

def resolve(target: str | Callable[..., Any]) -> Callable[..., Any]:
    """The function a ``"package.module:function"`` name refers to (a callable stays itself)."""
    if callable(target):
        return target
    module, _, name = target.partition(":")
    if not module or not name:
        raise ValueError(f"a job is named 'module:function', not {target!r}")
    return getattr(importlib.import_module(module), name)


def watches_cancel(fn: Callable[..., Any]) -> bool:
    """True when `fn` takes a `cancel` keyword of its own (not merely ``**kwargs``)."""
    try:
        parameter = inspect.signature(fn).parameters.get("cancel")
    except (TypeError, ValueError):  # builtins without a signature
        return False
    return parameter is not None and parameter.kind in (parameter.POSITIONAL_OR_KEYWORD,
                                                        parameter.KEYWORD_ONLY)


def execute(target: str | Callable[..., Any], args: tuple = (), kwargs: dict | None = None,
            emit: Callable[[Progress | Text | Partial], None] | None = None,
            cancel: threading.Event | None = None) -> Any:
    """Call `target` (a function or a ``"module:function"`` name) and run what it returns.

    A generator is run with `run`; any other return value is the result. A function with a
    `cancel` parameter gets `cancel` and watches it itself.
    """
    fn = resolve(target)
    kwargs = dict(kwargs or {})
    own_cancel = cancel is not None and watches_cancel(fn)
    if own_cancel:
        kwargs["cancel"] = cancel
    if cancel is not None and cancel.is_set():
        raise Cancelled("cancelled")
    result = fn(*args, **kwargs)
    if inspect.isgenerator(result):
        result = run(result, emit, cancel, job_watches_cancel=own_cancel)
    return result


def failure_message(exc: BaseException) -> str:
    """What to tell the editor about a job that raised `exc`, in one line.

    Errors raised to be read (a `MediaError`, a `ValueError` about a setting, an `OSError`
    naming a file, a `RuntimeError` such as a model that will not load) say their message;
    anything else is a bug, and says so.
    """
    from engine.media.errors import MediaError

    if isinstance(exc, MediaError):
        return str(exc)  # already "<file name>: <problem>"
    if isinstance(exc, (ValueError, OSError, RuntimeError)):
        return one_line(exc)
    return f"unexpected error ({type(exc).__name__}: {one_line(exc)})"


def one_line(exc: BaseException, limit: int = 240) -> str:
    """An exception as one short line for a person: its first line, or its type's name."""
    text = str(exc).strip()
    text = text.splitlines()[0].strip() if text else type(exc).__name__
    return text if len(text) <= limit else text[:limit - 1] + "…"
