"""Event-loop latency while the app works: the worst GUI stall (how late a 10 ms timer fires)
during analysis, script generation and a VFX element render, each run through the app's
runner in its worker process (what the app does) and in a thread of the GUI process (the
baseline), in one run, offscreen.

    .venv/bin/python benchmarks/latency.py [VIDEO]

Target: worst stall under 50 ms with the worker process.
"""
from __future__ import annotations

import os
import sys
import tempfile
from fractions import Fraction
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("MOVIOLA_CACHE_DIR", tempfile.mkdtemp(prefix="moviola-bench-"))
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer  # noqa: E402

from desktop.app import create_app  # noqa: E402
from desktop.runner import ProcessRunner, ThreadRunner  # noqa: E402

INTERVAL_MS = 10
RENDER_SIZE = (1920, 1080)
RENDER_FRAMES = 48


def measure(job) -> tuple[float, float, int, str]:
    """Worst and 99th-percentile timer lateness (ms) until `job` ends, ticks, and how it ended."""
    loop, clock, late, outcome = QEventLoop(), QElapsedTimer(), [], ["finished"]
    timer = QTimer()
    timer.setTimerType(timer.timerType().PreciseTimer)
    timer.setInterval(INTERVAL_MS)
    timer.timeout.connect(lambda: late.append(clock.restart() - INTERVAL_MS))
    job.finished.connect(loop.quit)
    job.failed.connect(lambda message: (outcome.__setitem__(0, f"failed: {message}"), loop.quit()))
    job.cancelled.connect(lambda: (outcome.__setitem__(0, "cancelled"), loop.quit()))
    clock.start()
    timer.start()
    loop.exec()
    timer.stop()
    late = sorted(late[1:]) or [0]
    return max(late[-1], 0), max(late[int(len(late) * 0.99)], 0), len(late), outcome[0]


def main() -> None:
    from engine.script import SamplingParams
    from engine.vfx.elements import Element

    video = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO.parent / "shared/media/sequences/seq02_29p97fps.mp4"
    out = Path(tempfile.mkdtemp(prefix="moviola-latency-"))
    create_app()
    width, height = RENDER_SIZE
    prompt = "INT. COFFEE SHOP - DAY\n\nRain streaks the window.\n\n"
    jobs = {  # what -> (target, args, kwargs) for a run in `where`
        f"analysis of {video.name} (no cache)":
            lambda where: ("engine.analysis:analysis_job", (video,), {"cache": None}),
        # the tab's own job: the first Generate, model load included (the bundled model, offline)
        "script generation, 3 variants x 120 tokens":
            lambda where: ("engine.script.jobs:generate_job",
                           ("gpt2", prompt, SamplingParams(max_new_tokens=120, variants=3, seed=1)), {}),
        f"VFX snow element, {width}x{height}, {RENDER_FRAMES} frames, ProRes 4444":
            lambda where: ("engine.vfx.render:render_element",
                           (Element.preset("snow"), out / f"snow-{where}.mov", width, height,
                            Fraction(24), RENDER_FRAMES), {}),
    }
    print(f"timer every {INTERVAL_MS} ms, load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} CPUs")
    for what, job in jobs.items():
        results = {}
        for where, runner in (("worker process", ProcessRunner()), ("GUI-process thread", ThreadRunner())):
            target, args, kwargs = job(where.split()[0])
            results[where] = measure(runner.submit(target, *args, **kwargs))
            runner.shutdown()
        print(f"\n{what}")
        for where, (worst, p99, ticks, outcome) in results.items():
            print(f"  {where:<20} worst {worst:6.0f} ms   p99 {p99:5.0f} ms   ({ticks} ticks, {outcome})")
        process, thread = results["worker process"][0], results["GUI-process thread"][0]
        print(f"  worst stall, thread / process: {thread / max(process, 1):.1f}x   "
              f"target < 50 ms in the worker process: {'met' if process < 50 else 'NOT met'}")

if __name__ == "__main__":
    main()
