"""Stabilisation: smooth (or lock) the tracked camera path, warp, crop the minimum.

The path is smoothed as the trajectories of the frame's four corners rather than as
matrix entries: corners are in pixels, so one smoothing strength means the same thing
for pans, rotations and zooms, and the smoothed corners always define a valid warp.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from scipy.ndimage import gaussian_filter1d

from engine.jobs import Job, scaled

from . import motion
from .trackdata import CameraTrack

# Motion faster than about 1 Hz counts as jitter: a Gaussian of sigma 0.16 s has its
# half-power point near 1 Hz (f = 1 / (2 pi sigma)).
JITTER_SIGMA_SECONDS = 0.16
# Strength 1 smooths with a Gaussian of this many seconds: a slow, steady glide.
MAX_SMOOTHING_SECONDS = 1.5
# Never zoom in further than this to hide the borders; beyond it the edges stay visible.
MIN_CROP_SCALE = 0.5


@dataclass(frozen=True)
class StabilizeSettings:
    """How the shot is steadied.

    Attributes:
        strength: 0 (unchanged) .. 1 (very smooth glide).
        lock: Lock-off: hold the shot's average framing, as on a tripod.
        crop: Zoom in just enough that no frame shows a border.
    """

    strength: float = 0.5
    lock: bool = False
    crop: bool = True


@dataclass(frozen=True)
class StabilizePlan:
    """Per-frame warps for the output.

    Attributes:
        warps: (n, 3, 3) mapping input frame pixels to output pixels (crop included).
        crop_scale: Side of the kept picture relative to the frame (1 = no crop).
    """

    warps: np.ndarray
    crop_scale: float


@dataclass(frozen=True)
class StabilizeReport:
    """Outcome of a render: residual jitter in pixels (RMS) before and after."""

    output: str
    frames: int
    crop_scale: float
    jitter_before: float
    jitter_after: float

    @property
    def reduction(self) -> float:
        """Fraction of the jitter removed (1 = all)."""
        return 1.0 - self.jitter_after / self.jitter_before if self.jitter_before > 0 else 0.0


def corner_paths(homographies: np.ndarray, width: int, height: int) -> np.ndarray:
    """(n, 4, 2): where each start-frame corner lies in every frame."""
    corners = _corners(width, height)
    return np.array([motion.apply(h, corners) for h in homographies])


def jitter(homographies: np.ndarray, width: int, height: int, fps: float) -> float:
    """RMS pixel distance of the frame corners from their path smoothed below ~1 Hz.

    A frame-to-frame shake shows up in full; a deliberate pan or push barely does.
    """
    paths = corner_paths(homographies, width, height)
    if len(paths) < 3:
        return 0.0
    smooth = gaussian_filter1d(paths, JITTER_SIGMA_SECONDS * fps, axis=0, mode="nearest")
    return float(np.sqrt(np.mean(np.sum((paths - smooth) ** 2, axis=-1))))


def plan(track: CameraTrack, settings: StabilizeSettings = StabilizeSettings()) -> StabilizePlan:
    """Warps that steady ``track``'s shot."""
    w, h = track.width, track.height
    corners = _corners(w, h)
    paths = corner_paths(track.homographies, w, h)
    if settings.lock:
        target = np.broadcast_to(paths.mean(axis=0), paths.shape)
    else:
        sigma = float(np.clip(settings.strength, 0.0, 1.0)) * MAX_SMOOTHING_SECONDS * float(track.frame_rate)
        target = gaussian_filter1d(paths, sigma, axis=0, mode="nearest") if sigma > 0 else paths
    # Output frame i shows start-frame point q at target_i(q) instead of H_i q.
    warps = np.array([
        cv2.getPerspectiveTransform(corners.astype(np.float32), t.astype(np.float32)).astype(np.float64)
        @ np.linalg.inv(hk)
        for t, hk in zip(target, track.homographies)])
    scale = _crop_scale(warps, w, h) if settings.crop else 1.0
    zoom = np.array([[1 / scale, 0, w / 2 * (1 - 1 / scale)],
                     [0, 1 / scale, h / 2 * (1 - 1 / scale)],
                     [0, 0, 1.0]])
    return StabilizePlan(np.array([zoom @ m for m in warps]), scale)


def stabilize_frames(frames: Iterable[np.ndarray], stab: StabilizePlan) -> Iterator[np.ndarray]:
    """Apply a plan to the shot's pictures, in order."""
    for image, warp in zip(frames, stab.warps):
        h, w = image.shape[:2]
        # Replicated edges rather than black where the crop limit leaves a sliver.
        yield cv2.warpPerspective(image, warp, (w, h), flags=cv2.INTER_LINEAR,
                                  borderMode=cv2.BORDER_REPLICATE)


def stabilize_shot(path: str | Path, output: str | Path, start: int = 0, end: int | None = None,
                   settings: StabilizeSettings = StabilizeSettings(),
                   track: CameraTrack | None = None, tracker_settings=None) -> Job[StabilizeReport]:
    """Track (unless ``track`` is given), steady and render a shot; measure jitter on the result.

    The "after" figure is measured by tracking the rendered frames again, not predicted.
    """
    from engine.media import FrameReader

    from .tracking import Tracker, track_shot
    from .writers import ClipWriter

    if track is None:
        track = yield from scaled(track_shot(path, start, end, tracker_settings), 0.0, 0.45)
    stab = plan(track, settings)
    fps = float(track.frame_rate)
    retrack = Tracker(tracker_settings)
    after = []
    n = len(track)
    with FrameReader(path) as reader, ClipWriter(output, track.width, track.height, track.frame_rate) as out:
        frames = (f.image for f in reader.frames(track.start, track.end))
        for i, image in enumerate(stabilize_frames(frames, stab)):
            out.write(image)
            after.append(retrack.feed(image).homography)
            yield 0.45 + 0.55 * (i + 1) / n, f"stabilised frame {track.start + i}"
    return StabilizeReport(str(output), n, stab.crop_scale,
                           jitter(track.homographies, track.width, track.height, fps),
                           jitter(np.array(after), track.width, track.height, fps))


def _corners(w: int, h: int) -> np.ndarray:
    return np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float64)


def _crop_scale(warps: np.ndarray, w: int, h: int) -> float:
    """Largest centred, same-aspect rectangle inside every warped frame (as a fraction)."""
    quads = [motion.apply(m, _corners(w, h)) for m in warps]

    def fits(s: float) -> bool:
        rect = _corners(w * s, h * s) + [w * (1 - s) / 2, h * (1 - s) / 2]
        return all(_inside_convex(q, rect) for q in quads)

    if fits(1.0):
        return 1.0
    lo, hi = MIN_CROP_SCALE, 1.0
    if not fits(lo):
        return lo
    for _ in range(30):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid)
    return lo


def _inside_convex(quad: np.ndarray, points: np.ndarray) -> bool:
    # Same-sign cross products against every edge; orientation-agnostic.
    signs = []
    for a, b in zip(quad, np.roll(quad, -1, axis=0)):
        edge = b - a
        rel = points - a
        signs.append(edge[0] * rel[:, 1] - edge[1] * rel[:, 0])
    signs = np.array(signs)
    return bool((signs >= -1e-9).all() or (signs <= 1e-9).all())
