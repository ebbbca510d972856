"""Decode speed of the media layer against plain FFmpeg and PyAV, measured in one run.

Usage: .venv/bin/python benchmarks/decode.py [FILE] [--repeat N]

FILE defaults to the first 1280x720 sequence in ../shared/media/sequences (or under
$MOVIOLA_SHARED). Each figure is the best of N interleaved runs (default 5) and includes
opening the file; ours is measured cold (probe cache cleared), as a fresh analysis job is.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import av  # noqa: E402

from engine.media import FrameReader, probe  # noqa: E402
from engine.media.probe import clear_cache  # noqa: E402

SHARED = Path(os.environ.get("MOVIOLA_SHARED", REPO.parent / "shared"))
ANALYSIS_SIZE = (48, 27)
PYAV = "PyAV plain decode"


def default_file() -> Path:
    for path in sorted((SHARED / "media" / "sequences").glob("*.mp4")):
        video = probe(path).video
        if video and (video.width, video.height) == (1280, 720):
            return path
    raise SystemExit(f"no 1280x720 sequence under {SHARED / 'media' / 'sequences'}; pass a FILE")


def best_seconds(runs: dict[str, Callable[[], None]], repeat: int) -> dict[str, float]:
    """Best time of each run; rounds interleave the runs so a busy machine hits all alike."""
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(repeat):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def ffmpeg_decode(path: Path) -> None:
    # As given in the media brief: decodes the audio too, like a player would.
    command = ["ffmpeg", "-nostdin", "-v", "error", "-threads", "2", "-i", str(path), "-f", "null", "-"]
    subprocess.run(command, check=True)


def pyav_decode(path: Path) -> None:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for _ in container.decode(stream):
            pass


def our_decode(path: Path, size: tuple[int, int] | None) -> None:
    clear_cache()
    with FrameReader(path, size=size) as reader:
        for _ in reader.frames():
            pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, help="video file (default: a 720p sequence)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure, best kept")
    args = parser.parse_args()
    path = args.file or default_file()
    video = probe(path).video
    if video is None:
        raise SystemExit(f"{path.name}: no video stream")
    frames = video.frame_count

    runs: dict[str, Callable[[], None]] = {}
    if shutil.which("ffmpeg"):
        runs["ffmpeg -threads 2 -f null"] = lambda: ffmpeg_decode(path)
    runs[PYAV] = lambda: pyav_decode(path)
    runs["ours, full size rgb24"] = lambda: our_decode(path, None)
    runs[f"ours, {ANALYSIS_SIZE[0]}x{ANALYSIS_SIZE[1]} rgb24"] = lambda: our_decode(path, ANALYSIS_SIZE)
    fps = {name: frames / seconds for name, seconds in best_seconds(runs, args.repeat).items()}

    load = os.getloadavg()[0]
    print(f"{path.name}: {video.width}x{video.height} {video.codec}, {frames} frames, "
          f"{os.cpu_count()} CPUs (load {load:.1f}), best of {args.repeat}")
    baseline = next(iter(fps))
    for name, rate in fps.items():
        print(f"  {name:28s} {rate:8.1f} fps")
    for name in (n for n in fps if n.startswith("ours")):
        print(f"  {name:28s} {fps[name] / fps[baseline]:5.2f}x {baseline}"
              f"   {fps[name] / fps[PYAV]:5.2f}x {PYAV}")


if __name__ == "__main__":
    main()
