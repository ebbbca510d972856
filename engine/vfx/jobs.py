"""The VFX tab's long jobs, as the desktop's worker process runs them.

Thin generators over the tracking, keying, steadying and element renders: picklable
arguments in, picklable reports out, and a `ValueError` about the shot becomes a one-line
`MediaError` naming the file. Each stops between frames when cancelled; the writers remove
a render's partial file when it stops.
"""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np

from engine.jobs import Job
from engine.vfx.elements import Element
from engine.vfx.key import KeyReport, KeySettings
from engine.vfx.render import RenderReport
from engine.vfx.stabilize import StabilizeReport, StabilizeSettings
from engine.vfx.trackdata import CameraTrack
from engine.vfx.tracking import TrackerSettings


def track_job(path: str | Path, start: int, end: int, settings: TrackerSettings | None = None,
              region: np.ndarray | None = None) -> Job[tuple[CameraTrack, list[np.ndarray]]]:
    """Track frames ``start <= k < end``, keeping each frame's tracked points for display.

    Result: (``CameraTrack``, list of (N, 2) point arrays in full-size pixels).
    """
    return (yield from _naming_the_file(path, _track_with_points(path, start, end, settings, region)))


def element_job(element: Element, path: str | Path, output: str | Path, start: int, end: int,
                track: CameraTrack | None = None,
                tracker_settings: TrackerSettings | None = None) -> Job[RenderReport]:
    """Render `element` for frames ``start <= k < end`` of `path` (tracking first if needed)."""
    from engine.vfx.render import render_for_shot

    job = render_for_shot(element, path, output, start, end, track=track, tracker_settings=tracker_settings)
    return (yield from _naming_the_file(path, job))


def stabilize_job(path: str | Path, output: str | Path, start: int, end: int,
                  settings: StabilizeSettings, track: CameraTrack | None = None,
                  tracker_settings: TrackerSettings | None = None) -> Job[StabilizeReport]:
    """Steady frames ``start <= k < end`` into `output`; the report measures the jitter."""
    from engine.vfx.stabilize import stabilize_shot

    job = stabilize_shot(path, output, start, end, settings, track=track, tracker_settings=tracker_settings)
    return (yield from _naming_the_file(path, job))


def key_job(path: str | Path, output: str | Path, matte: str | Path | None, start: int, end: int,
            settings: KeySettings) -> Job[KeyReport]:
    """Key frames ``start <= k < end``: the keyed clip to `output`, its matte to `matte`."""
    from engine.vfx.key import key_shot

    return (yield from _naming_the_file(path, key_shot(path, output, matte, start, end, settings)))


def _track_with_points(path, start: int, end: int, settings, region):
    from engine.media import FrameReader
    from engine.vfx.tracking import track_frames

    with FrameReader(path, pix_fmt="gray") as reader:
        v = reader.info.video
        end = min(end, v.frame_count)
        frames = (f.image for f in reader.frames(start, end))
        motions = yield from track_frames(frames, settings, region, total=end - start)
    track = CameraTrack.from_motions(motions, source=str(path), start=start, width=v.width,
                                     height=v.height, frame_rate=Fraction(v.frame_rate), region=region)
    return track, [m.points for m in motions]


def _naming_the_file(path, job: Job):
    """`job`, its ValueErrors (an empty range, a bad setting) as messages naming the file."""
    from engine.media import MediaError

    try:
        return (yield from job)
    except ValueError as exc:
        raise MediaError(Path(path), str(exc)) from exc
