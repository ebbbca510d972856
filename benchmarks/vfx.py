"""VFX speed at 1920x1080 on this machine: tracking fps and element render fps.

Usage: .venv/bin/python benchmarks/vfx.py [FILE] [--frames N]

FILE defaults to ../shared/media/sources/tears_of_steel_0500.mp4 (or under
$MOVIOLA_SHARED), decoded once and scaled to 1920x1080 in memory, so the figures are
the VFX code alone. The baseline is real time: the clip's own frame rate.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from fractions import Fraction
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from engine.media import FrameReader  # noqa: E402
from engine.vfx.elements import KINDS, Element  # noqa: E402
from engine.vfx.render import ElementRenderer  # noqa: E402
from engine.vfx.trackdata import CameraTrack  # noqa: E402
from engine.vfx.tracking import Tracker, TrackerSettings  # noqa: E402

SHARED = Path(os.environ.get("MOVIOLA_SHARED", REPO.parent / "shared"))
SIZE = (1920, 1080)


def track_fps(frames, settings: TrackerSettings) -> tuple[float, np.ndarray]:
    tracker = Tracker(settings)
    start = time.perf_counter()
    hs = np.array([tracker.feed(f).homography for f in frames])
    return len(frames) / (time.perf_counter() - start), hs


def render_fps(kind: str, track: CameraTrack, frames: int) -> float:
    element = Element.preset(kind, text="NIGHTFALL")
    start = time.perf_counter()
    renderer = ElementRenderer(element, SIZE[0], SIZE[1], track.frame_rate, frames, track)
    for k in range(frames):
        renderer.straight(k)
    return frames / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", default=SHARED / "media" / "sources" / "tears_of_steel_0500.mp4")
    parser.add_argument("--frames", type=int, default=48, help="frames tracked (48)")
    parser.add_argument("--render-frames", type=int, default=6, help="frames rendered per element (6)")
    args = parser.parse_args()

    with FrameReader(args.file, size=SIZE) as reader:
        rate = Fraction(reader.info.video.frame_rate)
        frames = [f.image for f in reader.frames(60, 60 + args.frames)]
    print(f"{Path(args.file).name}: {len(frames)} frames scaled to {SIZE[0]}x{SIZE[1]}, "
          f"{os.cpu_count()} CPUs; real time is {float(rate):.3f} fps")

    fps, hs = track_fps(frames, TrackerSettings())
    print(f"tracking, analysed at 960 px wide (default)  {fps:7.1f} fps  ({fps / float(rate):.2f}x real time)")
    fps_full, _ = track_fps(frames, TrackerSettings(max_width=None))
    print(f"tracking, full 1920x1080                     {fps_full:7.1f} fps  ({fps_full / float(rate):.2f}x real time)")

    track = CameraTrack(str(args.file), 60, SIZE[0], SIZE[1], rate, hs)
    print(f"element renders, {args.render_frames} frames each, tracked to the clip's camera where the kind follows it:")
    for kind in KINDS:
        fps = render_fps(kind, track, min(args.render_frames, len(hs)))
        print(f"  {kind:<11} {fps:7.2f} fps  ({fps / float(rate):.2f}x real time)")


if __name__ == "__main__":
    main()
