"""Event-loop latency while a clip is analysed: worker process (what the app does) against
the same job in a thread of the GUI process (the baseline), in one run, offscreen.

    .venv/bin/python benchmarks/latency.py [VIDEO]

Target: worst timer drift under 50 ms with the worker process.
"""
from __future__ import annotations

import functools
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("MOVIOLA_CACHE_DIR", tempfile.mkdtemp(prefix="moviola-bench-"))
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer  # noqa: E402

from desktop.app import create_app  # noqa: E402
from desktop.runner import ProcessRunner  # noqa: E402
from desktop.workers import Job, start  # noqa: E402
from engine.analysis import analysis_job  # noqa: E402

INTERVAL_MS = 10


def measure(submit) -> tuple[float, float, int]:
    """Worst and 99th-percentile timer drift (ms) while the job `submit()` starts runs."""
    loop, clock, drifts = QEventLoop(), QElapsedTimer(), []
    timer = QTimer()
    timer.setInterval(INTERVAL_MS)
    timer.timeout.connect(lambda: drifts.append(clock.restart() - INTERVAL_MS))
    signals = submit()
    signals.finished.connect(loop.quit)
    signals.failed.connect(lambda message: (print("failed:", message), loop.quit()))
    clock.start()
    timer.start()
    loop.exec()
    timer.stop()
    drifts = sorted(drifts[1:])
    return drifts[-1], drifts[int(len(drifts) * 0.99)], len(drifts)


def main() -> None:
    video = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO.parent / "shared/media/sequences/seq02_29p97fps.mp4"
    create_app()
    runner = ProcessRunner()
    print(f"{video.name}, analysis without cache, timer every {INTERVAL_MS} ms, "
          f"load average {os.getloadavg()[0]:.1f}")
    process = measure(lambda: runner.submit("engine.analysis:analysis_job", video, cache=None).signals)
    runner.shutdown()
    thread = measure(lambda: start(Job(functools.partial(analysis_job, video, cache=None))).signals)
    print(f"worker process (the app):  worst {process[0]:6.0f} ms   p99 {process[1]:5.0f} ms   ({process[2]} ticks)")
    print(f"thread in GUI process:     worst {thread[0]:6.0f} ms   p99 {thread[1]:5.0f} ms   ({thread[2]} ticks)")
    print(f"worst drift, process / thread: {process[0] / max(thread[0], 1):.2f}x   "
          f"target < 50 ms: {'met' if process[0] < 50 else 'NOT met'}")


if __name__ == "__main__":
    main()
