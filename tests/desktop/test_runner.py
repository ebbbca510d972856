"""The one runner: typed events in order, one cancel, and a worker process that can neither
freeze the window nor outlive it. Real runner, real engine jobs, real worker processes."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QElapsedTimer, QTimer

from desktop.runner import CANCEL_GRACE_S, ProcessRunner, ThreadRunner
from engine.script import SamplingParams
from engine.script.jobs import ModelInUse, VariantStarted

REPO = Path(__file__).resolve().parents[2]
LINUX = sys.platform.startswith("linux")


@pytest.fixture
def runner(qapp):
    runner = ProcessRunner(name="moviola-test-worker")
    yield runner
    runner.shutdown()


class Record:
    """Everything a job emitted, in order, and how it ended."""

    def __init__(self, job) -> None:
        self.job, self.events, self.outcome = job, [], None
        job.progress.connect(lambda f, m: self.events.append(("progress", f, m)))
        job.text.connect(lambda t: self.events.append(("text", t)))
        job.partial.connect(lambda v: self.events.append(("partial", v)))
        job.finished.connect(lambda r: self._end("finished", r))
        job.failed.connect(lambda m: self._end("failed", m))
        job.cancelled.connect(lambda: self._end("cancelled", None))

    def _end(self, how: str, payload) -> None:
        assert self.outcome is None, "a job ends once"
        self.outcome = (how, payload)

    def wait(self, qtbot, timeout: float = 60.0):
        qtbot.waitUntil(lambda: self.outcome is not None, timeout=int(timeout * 1000))
        return self.outcome


class Stalls:
    """The longest gap between ticks of a 10 ms timer on the GUI thread."""

    def __init__(self) -> None:
        self.clock, self.worst, self.ticks = QElapsedTimer(), 0, 0
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)

    def __enter__(self):
        self.clock.start()
        self.timer.start()
        return self

    def _tick(self) -> None:
        self.worst = max(self.worst, self.clock.restart())
        self.ticks += 1

    def __exit__(self, *exc) -> None:
        self.timer.stop()


def run(qtbot, runner, target, *args, timeout: float = 60.0, **kwargs):
    return Record(runner.submit(target, *args, **kwargs)).wait(qtbot, timeout)


def test_generation_streams_typed_events_in_order(qtbot, runner, script_model_cache, monkeypatch):
    # the worker inherits this: the bundled model it falls back to is already converted there
    monkeypatch.setenv("MOVIOLA_CACHE_DIR", str(script_model_cache))
    params = SamplingParams(max_new_tokens=16, variants=2, seed=3)
    record = Record(runner.submit("engine.script.jobs:generate_job", "gpt2", "INT. BAR - NIGHT\n\n", params))
    how, result = record.wait(qtbot, 120)
    assert how == "finished", result
    partials = [e[1] for e in record.events if e[0] == "partial"]
    assert isinstance(partials[0], ModelInUse) and partials[0].fallback  # gpt2 is not cached
    assert [p.index for p in partials[1:]] == [0, 1]
    # text belongs to the variant announced before it, and comes piece by piece
    by_variant, current = {0: [], 1: []}, None
    for event in record.events:
        if event[0] == "partial" and isinstance(event[1], VariantStarted):
            current = event[1].index
        elif event[0] == "text":
            assert current is not None
            by_variant[current].append(event[1])
    assert len(by_variant[0]) > 1 and len(by_variant[1]) > 1
    fractions = [e[1] for e in record.events if e[0] == "progress"]
    assert fractions == sorted(fractions) and fractions[-1] <= 1.0
    assert len(result.variants) == 2 and result.seeds == [3, 4] and not result.cancelled
    assert runner.worker_pid() not in (None, os.getpid())


def test_failures_are_one_line_and_the_worker_goes_on(qtbot, runner, media):
    how, message = run(qtbot, runner, "engine.media.scan:load_bin_entry", media / "bad" / "random_bytes.mp4")
    assert (how, message) == ("failed", "random_bytes.mp4: not a recognised media container")
    pid = runner.worker_pid()
    how, (info, poster) = run(qtbot, runner, "engine.media.scan:load_bin_entry",
                              media / "sources" / "tears_of_steel_0500.mp4")
    assert how == "finished" and info.video.width == 640 and poster.shape[2] == 3
    assert runner.worker_pid() == pid  # one worker, reused


def test_what_cannot_reach_the_worker_fails_at_once(qtbot, runner):
    how, message = run(qtbot, runner, "builtins:len", lambda: 0, timeout=5)
    assert how == "failed" and message.startswith("its arguments cannot be sent to the worker process")
    with pytest.raises(TypeError, match="module-level function"):
        runner.submit(lambda: 0)
    assert run(qtbot, runner, "builtins:len", [1, 2]) == ("finished", 2)  # and the queue goes on


def test_a_queued_job_is_cancelled_at_once_and_never_runs(qtbot, runner):
    first = Record(runner.submit("time:sleep", 0.5))
    second = Record(runner.submit("os:getpid"))
    assert runner.busy() == 2
    second.job.cancel()
    assert second.wait(qtbot, 1) == ("cancelled", None)
    assert first.wait(qtbot, 30)[0] == "finished"
    assert second.events == []


def test_a_hung_job_is_killed_after_its_cancel_and_the_next_runs_in_a_fresh_worker(qtbot, runner):
    how, first_pid = run(qtbot, runner, "os:getpid")
    hung = Record(runner.submit("time:sleep", 600))  # blocks without ever yielding
    qtbot.wait(300)
    with Stalls() as stalls:
        started = time.monotonic()
        hung.job.cancel()
        assert hung.wait(qtbot, CANCEL_GRACE_S + 10) == ("cancelled", None)
        waited = time.monotonic() - started
        how, second_pid = run(qtbot, runner, "os:getpid")
    assert CANCEL_GRACE_S - 0.2 < waited < CANCEL_GRACE_S + 3
    assert how == "finished" and second_pid != first_pid
    assert not _alive(first_pid)
    assert stalls.worst < 500, f"GUI thread stalled {stalls.worst} ms"


@pytest.mark.skipif(not LINUX, reason="watches the transfer through /proc/self/io")
def test_a_worker_killed_while_sending_a_large_result_fails_the_job_not_the_window(qtbot, runner):
    how, first_pid = run(qtbot, runner, "os:getpid")
    killed_at: list[int] = []

    def kill_mid_send(base: int) -> None:
        # The GUI's reader thread is receiving: kill the sender part-way through.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            received = _bytes_read() - base
            if received > 20_000_000:
                os.kill(first_pid, signal.SIGKILL)
                killed_at.append(received)
                return

    size = 200_000_000
    with Stalls() as stalls:
        watcher = threading.Thread(target=kill_mid_send, args=(_bytes_read(),), daemon=True)
        watcher.start()
        how, message = run(qtbot, runner, "builtins:bytes", size, timeout=60)
        watcher.join(5)
    assert killed_at and killed_at[0] < size, "the kill did not land mid-message"
    assert how == "failed"
    assert message == "the worker process stopped unexpectedly (killed by signal 9)"
    assert stalls.worst < 500, f"GUI thread stalled {stalls.worst} ms"
    how, second_pid = run(qtbot, runner, "os:getpid")
    assert how == "finished" and second_pid != first_pid


@pytest.mark.skipif(not LINUX, reason="finds the worker's lineage through /proc")
def test_the_worker_and_the_resource_tracker_end_when_the_gui_is_killed(tmp_path):
    program = textwrap.dedent("""
        import os, sys
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from PySide6.QtWidgets import QApplication
        from desktop.runner import ProcessRunner

        if __name__ == "__main__":
            app = QApplication([])
            runner = ProcessRunner()
            def started(pid):
                print(pid, flush=True)  # the worker is up, its parent-death signal armed
                runner.submit("time:sleep", 600)  # a long job, running when the GUI dies
            runner.submit("os:getpid").finished.connect(started)
            app.exec()
    """)
    gui = subprocess.Popen([sys.executable, "-c", program], cwd=REPO, stdout=subprocess.PIPE,
                           env={**os.environ, "PYTHONPATH": str(REPO)}, text=True)
    try:
        worker = int(gui.stdout.readline())
        lineage = _descendants(gui.pid)
        names = {pid: _cmdline(pid) for pid in lineage}
        assert worker in lineage
        assert any("resource_tracker" in name for name in names.values()), names
        time.sleep(0.3)  # the long job is running
        gui.kill()  # SIGKILL: no atexit, no Qt teardown, nothing runs in the GUI
        gui.wait(10)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(_alive(pid) for pid in lineage):
            time.sleep(0.05)
        left = {pid: names[pid] for pid in lineage if _alive(pid)}
        assert not left, f"still running after the GUI died: {left}"
    finally:
        gui.kill()
        for pid in _descendants(gui.pid):
            os.kill(pid, signal.SIGKILL)


def test_thread_runner_runs_short_io_with_the_same_signals(qtbot, qapp, media):
    from engine.media import probe

    threads = ThreadRunner()
    clip = media / "sources" / "tears_of_steel_0500.mp4"
    info = probe(clip)
    how, image = run(qtbot, threads, "engine.media.thumbnail:thumbnail", clip, width=96, info=info)
    assert how == "finished" and image.shape[1] == 96
    how, message = run(qtbot, threads, lambda: {}["no such key"])
    assert how == "failed" and message == "unexpected error (KeyError: 'no such key')"
    tracking = Record(threads.submit("engine.vfx.jobs:track_job", clip, 0, 240))
    qtbot.waitUntil(lambda: bool(tracking.events), timeout=30000)
    tracking.job.cancel()
    assert tracking.wait(qtbot, 10) == ("cancelled", None)
    threads.shutdown()


# -- /proc helpers (Linux) --------------------------------------------------------------------

def _bytes_read() -> int:
    """Bytes this process has read so far, all threads together."""
    with open("/proc/self/io") as io:
        return int(next(line for line in io if line.startswith("rchar:")).split()[1])


def _parent(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return int(stat.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def _descendants(root: int) -> set[int]:
    parents = {int(p): _parent(int(p)) for p in os.listdir("/proc") if p.isdigit()}
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its new parent to reap it counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
