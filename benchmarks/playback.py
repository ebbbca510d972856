"""Frames shown vs frames due while a 1080p clip plays for 10 s with analysis running in the
background (offscreen, silent clock), beside the same playback with nothing else running.
Target: at most 1 % dropped at 24/25 fps.

    .venv/bin/python benchmarks/playback.py [--seconds 10]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("MOVIOLA_CACHE_DIR", tempfile.mkdtemp(prefix="moviola-bench-"))
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SEQUENCES = REPO.parent / "shared" / "media" / "sequences"

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402

from desktop.app import create_app  # noqa: E402
from desktop.playback.controller import PlaybackController  # noqa: E402
from desktop.runner import ProcessRunner  # noqa: E402
from engine.media import probe  # noqa: E402
from engine.playback import Playlist  # noqa: E402


def make_1080p(seconds: float) -> Path:
    """A 1920x1080 24 fps H.264 clip cut from a shared sequence (ffmpeg needed)."""
    out = Path(tempfile.mkdtemp(prefix="moviola-1080p-")) / "clip_1080p.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(SEQUENCES / "seq00_24fps.mp4"),
                    "-t", str(seconds + 2), "-vf", "scale=1920:1080", "-an", "-c:v", "libx264",
                    "-preset", "veryfast", "-g", "48", str(out)], check=True)
    return out


def wait(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def play(clip: Path, seconds: float) -> tuple[int, int, int]:
    """(shown, due, dropped) for `seconds` of 1x playback from frame 0."""
    controller = PlaybackController()  # decodes at the viewer's display width, as the app does
    controller.audio_clock = None  # the silent clock: what this measures is decoding
    info = probe(clip)
    controller.load(Playlist.from_clip(info), 0)
    wait(500)
    shown_before = controller.frames_shown
    start = time.perf_counter()
    controller.play(1.0)
    wait(int(seconds * 1000))
    elapsed = time.perf_counter() - start
    controller.pause()
    shown = controller.frames_shown - shown_before
    due = min(int(elapsed * float(info.video.frame_rate)) + 1, info.video.frame_count)
    controller.close()
    return shown, due, controller.frames_dropped


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0)
    seconds = parser.parse_args().seconds
    create_app()
    clip = make_1080p(seconds)
    quiet = play(clip, seconds)
    runner = ProcessRunner()
    runner.submit("engine.analysis:analysis_job", SEQUENCES / "seq01_25fps.mp4", cache=None)
    wait(3000)  # let the worker get into the network, the expensive part
    busy = play(clip, seconds)
    runner.shutdown()
    for name, (shown, due, dropped) in (("alone", quiet), ("with analysis", busy)):
        print(f"{name:14s} shown {shown:4d} of {due:4d} due   dropped {dropped:3d} "
              f"({100 * (due - shown) / due:.1f} % not shown)")
    print(f"load average {os.getloadavg()[0]:.1f}; target: at most 1 % dropped with analysis running")


if __name__ == "__main__":
    main()
