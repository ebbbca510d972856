"""Event-loop latency while the app works: the worst GUI stall (how late a 10 ms timer fires).

Two parts, offscreen, each with its baseline measured in the same run:

- jobs: analysis, script generation and a VFX element render, each run through the app's
  runner in its worker process (what the app does) and in a thread of the GUI process;
- script tab: the real `ScriptTab` clicked as a writer does, Generate with the default model
  (the bundled SmolLM2-135M-Instruct) three times — with an empty model cache (first use: the
  worker converts the GGUF), after a restart (a fresh tab and worker loading the converted
  safetensors) and with the model already loaded — split into loading and generating, against
  the idle tab before any of it.

    .venv/bin/python benchmarks/latency.py [VIDEO] [--only jobs|script-tab] [--variants N --tokens T]

Target: worst stall under 50 ms with the worker process.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
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


def jobs_part(video: Path) -> None:
    from engine.script import SamplingParams
    from engine.vfx.elements import Element

    out = Path(tempfile.mkdtemp(prefix="moviola-latency-"))
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


class Heartbeat:
    """A 10 ms timer on the GUI thread; each tick records when it fired and how late it was."""

    def __init__(self) -> None:
        self.ticks: list[tuple[float, float]] = []  # (perf_counter seconds, lateness ms)
        self.clock = QElapsedTimer()
        self.timer = QTimer()
        self.timer.setTimerType(self.timer.timerType().PreciseTimer)
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.clock.start()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _tick(self) -> None:
        self.ticks.append((time.perf_counter(), self.clock.restart() - INTERVAL_MS))

    def _inside(self, start: float, end: float) -> list[tuple[float, float]]:
        """(lateness ms, when the stall began) of the stalls that began in [start, end): a tick
        late by L fired L after its due time, so the stall belongs where it began."""
        out = []
        for t, ms in self.ticks:
            began = t - max(ms, 0) / 1000
            if start <= began < end:
                out.append((max(ms, 0), began))
        return out

    def between(self, start: float, end: float) -> tuple[float, float, int]:
        """Worst and 99th-percentile lateness (ms) of the stalls that began in [start, end)."""
        late = sorted(ms for ms, _ in self._inside(start, end)) or [0]
        return late[-1], late[min(int(len(late) * 0.99), len(late) - 1)], len(late)

    def worst_at(self, start: float, end: float) -> float:
        """Seconds after `start` when the worst stall in [start, end) began."""
        inside = self._inside(start, end)
        return max(inside)[1] - start if inside else 0.0


def _wait(condition, limit_s: float) -> bool:
    """Run the event loop until `condition()` holds (True) or `limit_s` passes (False)."""
    loop, poll = QEventLoop(), QTimer()
    deadline = time.perf_counter() + limit_s
    poll.timeout.connect(lambda: (condition() or time.perf_counter() > deadline) and loop.quit())
    poll.start(5)
    loop.exec()
    poll.stop()
    return bool(condition())


def _tab_generate(tab, beat: Heartbeat, label: str, limit_s: float,
                  load_limit_s: float | None = None) -> list[tuple[str, float, float]]:
    """Click Generate on `tab` and print its phases as they end: loading (until the tab names the
    model the worker uses) and generating (until the tab is idle again), each against `beat`.
    Loading longer than `load_limit_s` is reported as sampled for that long, then stopped."""
    tab.model_in_use = None  # the label the tab sets when the worker says which model it uses
    clicked = time.perf_counter()
    tab.generate_button.click()
    loaded_ok = _wait(lambda: tab.model_in_use is not None or not tab.busy(), load_limit_s or limit_s)
    loaded = time.perf_counter()
    _progress(beat, f"{label}: loading", clicked, loaded,
            "" if loaded_ok else "(still loading: sampled this long, then stopped)")
    done_ok = loaded_ok and _wait(lambda: not tab.busy(), limit_s)
    done = time.perf_counter()
    _progress(beat, f"{label}: generating", loaded, done, "" if done_ok else "(did not finish in time)")
    if not tab.error.isHidden():
        print(f"    the tab says: {tab.error.text()}")
    elif done_ok:
        print(f"    the tab says: {tab.status.text()}")
    phases = [(f"{label}: loading", clicked, loaded), (f"{label}: generating", loaded, done)]
    if tab.busy():  # the sampled conversion: Stop cannot interrupt it, so the runner kills it
        tab.stop()
        _wait(lambda: not tab.busy(), 10)
        phases.append((f"{label}: Stop (the worker killed)", done, time.perf_counter()))
        _progress(beat, *phases[-1])
    return phases


def _progress(beat: Heartbeat, name: str, start: float, end: float, note: str = "") -> None:
    """A phase's name and length while the run goes on: its stalls are computed at the end,
    since sorting thousands of ticks on the GUI thread would itself stall the next phase."""
    print(f"  {name:<46} {end - start:6.1f} s {note}", flush=True)


def _report(beat: Heartbeat, name: str, start: float, end: float, note: str = "") -> None:
    worst, p99, ticks = beat.between(start, end)
    print(f"  {name:<46} {end - start:6.1f} s   worst {worst:5.0f} ms (at {beat.worst_at(start, end):5.1f} s)"
          f"   p99 {p99:4.0f} ms   ({ticks} ticks) {note}", flush=True)


def _new_tab(variants: int, tokens: int):
    from desktop.script.tab import ScriptTab

    tab = ScriptTab()
    tab.resize(1400, 900)
    tab.show()
    tab.variants.setValue(variants)
    tab.max_tokens.setValue(tokens)
    tab.seed.setValue(1)
    return tab


def script_tab_part(variants: int, tokens: int, idle_s: float = 20.0, limit_s: float = 2400.0,
                    convert_window_s: float | None = None, converted: Path | None = None) -> None:
    """The script tab's Generate, cold and warm, against the idle tab (see the docstring).

    On a crowded machine the first-use conversion in the (lower-priority) worker can take very
    long: `convert_window_s` samples the GUI for that long into it, then stops it, and the
    restart phases use `converted`, a cache root that already holds the conversion."""
    cache = Path(tempfile.mkdtemp(prefix="moviola-latency-cache-"))
    os.environ["MOVIOLA_CACHE_DIR"] = str(cache)  # empty: the first load converts the GGUF
    print(f"\nscript tab, Generate with the default model ({variants} variants x {tokens} tokens, "
          f"seed 1), the model cache empty at first")
    beat = Heartbeat()
    tab = _new_tab(variants, tokens)
    _wait(lambda: False, 0.5)  # let the window settle before the baseline
    beat.start()
    start = time.perf_counter()
    _wait(lambda: False, idle_s)
    phases = [("idle tab (baseline)", start, time.perf_counter())]
    _progress(beat, *phases[0])
    phases += _tab_generate(tab, beat, "first use (GGUF conversion)", limit_s, convert_window_s)
    quit_at = time.perf_counter()
    tab.shutdown()  # as when the app quits: the worker process ends
    tab.deleteLater()
    if converted is not None:
        os.environ["MOVIOLA_CACHE_DIR"] = str(converted)
        cache = converted
    tab = _new_tab(variants, tokens)  # a restart: a new tab and worker, the converted model cached
    phases.append(("quit and reopen (not while working)", quit_at, time.perf_counter()))
    _progress(beat, *phases[-1])
    phases += _tab_generate(tab, beat, "after restart (cached safetensors)", limit_s)
    model = tab.model_in_use
    phases += _tab_generate(tab, beat, "model already loaded", limit_s)
    _wait(lambda: False, 1.0)  # the ticks of a stall that began in the last phase
    beat.stop()
    tab.shutdown()
    manifest = next((cache / "script-models").glob("*/moviola-manifest.json"), None)
    if manifest is not None:
        print(f"  (model in use: {model}; the conversion itself, in the worker: "
              f"{json.loads(manifest.read_text())['seconds']:.1f} s)")
    # Again with every tick in: a stall is counted where it began, and its tick may come later.
    print("  all phases, final:")
    for phase in phases:
        _report(beat, *phase)
    baseline = beat.between(*phases[0][1:])[0]
    worst = max(beat.between(s, e)[0] for name, s, e in phases[1:]
                if name.endswith(("loading", "generating")))
    print(f"  worst stall while loading or generating: {worst:.0f} ms, idle baseline {baseline:.0f} ms; "
          f"target < 50 ms: {'met' if worst < 50 else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("video", nargs="?", type=Path,
                        default=REPO.parent / "shared/media/sequences/seq02_29p97fps.mp4")
    parser.add_argument("--only", choices=("jobs", "script-tab"))
    parser.add_argument("--variants", type=int, default=3, help="script tab: variants (default 3)")
    parser.add_argument("--tokens", type=int, default=120, help="script tab: tokens each (default 120)")
    parser.add_argument("--convert-window", type=float, metavar="S",
                        help="script tab: sample the first-use conversion for S seconds, then stop it")
    parser.add_argument("--converted", type=Path, metavar="CACHE",
                        help="script tab: a cache root already holding the conversion, for the "
                             "restart phases (with --convert-window)")
    args = parser.parse_args()
    create_app()
    print(f"timer every {INTERVAL_MS} ms, load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} CPUs")
    if args.only in (None, "jobs"):
        jobs_part(args.video)
    if args.only in (None, "script-tab"):
        script_tab_part(args.variants, args.tokens, convert_window_s=args.convert_window,
                        converted=args.converted)


if __name__ == "__main__":
    main()
