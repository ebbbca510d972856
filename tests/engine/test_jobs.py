"""Job events: tuples still mean progress, text and partial results pass through `scaled`,
and `execute` runs what the worker process and the thread runner are given."""
from __future__ import annotations

import os
import threading

import pytest

from engine.jobs import (
    Cancelled,
    Partial,
    Progress,
    Text,
    as_event,
    drive,
    execute,
    failure_message,
    run,
    scaled,
)


def _mixed():
    yield 0.0, "start"  # the old form
    yield Text("INT. ")
    yield Partial({"model": "bundled"})
    yield Progress(0.5, "half")
    yield Text("BAR")
    return "result"


def test_a_bare_tuple_is_progress_and_progress_unpacks_like_one():
    assert as_event((0.25, "a quarter")) == Progress(0.25, "a quarter")
    fraction, message = Progress(0.5, "half")  # old consumers unpack what they are given
    assert (fraction, message) == (0.5, "half")


def test_run_hands_every_event_over_in_order():
    events = []
    assert run(_mixed(), events.append) == "result"
    assert events == [Progress(0.0, "start"), Text("INT. "), Partial({"model": "bundled"}),
                      Progress(0.5, "half"), Text("BAR")]


def test_drive_forwards_only_progress():
    seen = []
    assert drive(_mixed(), lambda f, m: seen.append((f, m))) == "result"
    assert seen == [(0.0, "start"), (0.5, "half")]


def test_scaled_maps_progress_keeps_its_form_and_passes_the_rest():
    events = list(scaled(_mixed(), 0.5, 1.0))
    assert events == [(0.5, "start"), Text("INT. "), Partial({"model": "bundled"}),
                      Progress(0.75, "half"), Text("BAR")]
    assert isinstance(events[0], tuple)


def test_cancel_closes_the_job_between_yields():
    closed = []

    def job():
        try:
            for i in range(10):
                yield i / 10, f"step {i}"
        finally:
            closed.append(True)
    cancel = threading.Event()
    with pytest.raises(Cancelled):
        run(job(), lambda e: e.fraction >= 0.2 and cancel.set(), cancel)
    assert closed == [True]


def test_a_job_with_its_own_cancel_decides_when_to_stop():
    def job(*, cancel):
        done = 0
        for _ in range(100):
            if cancel.is_set():
                break
            done += 1
            yield Progress(done / 100, "")
        return done  # what it had when it noticed
    cancel = threading.Event()
    result = execute(job, (), {}, lambda e: e.fraction >= 0.1 and cancel.set(), cancel)
    assert result == 10


def test_execute_resolves_names_and_runs_plain_functions():
    assert execute("builtins:len", ([1, 2, 3],)) == 3
    assert execute("os.path:join", ("a", "b")) == os.path.join("a", "b")
    with pytest.raises(ValueError, match="module:function"):
        execute("len")


def test_cancel_is_passed_only_to_a_named_parameter():
    def takes_kwargs(**options):
        return options
    assert execute(takes_kwargs, (), {"x": 1}, cancel=threading.Event()) == {"x": 1}


def test_failure_messages_are_one_line():
    from engine.media import MediaError

    assert failure_message(MediaError("/a/clip.mp4", "no video\nstream")) == "clip.mp4: no video stream"
    assert failure_message(ValueError("bad range\nTraceback ...")) == "bad range"
    assert failure_message(KeyError("x")) == "unexpected error (KeyError: 'x')"
