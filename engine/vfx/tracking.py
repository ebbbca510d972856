"""Camera and planar tracking: corners followed by pyramidal Lucas-Kanade.

Points are followed frame to frame (small motions suit LK) but each frame's model is
fitted from the points' positions in an *anchor* frame, not chained frame to frame,
so per-frame fitting errors do not accumulate. When too few points survive the
forward-backward check, the current frame becomes the new anchor.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

from engine.jobs import Job

from . import motion
from .trackdata import CameraTrack


@dataclass
class TrackerSettings:
    """Knobs of the tracker; distances are in pixels of the analysed picture.

    Attributes:
        model: "auto" or one of ``motion.MODELS``; a planar region track uses "homography".
        max_width: Frames wider than this are tracked downscaled (None: full size);
            matrices are always returned in full-size pixels.
        max_corners: Corners detected per anchor frame.
        fb_threshold: Largest forward-backward error of a kept point.
        ransac_threshold: RANSAC inlier distance.
        redetect_fraction: Re-anchor when fewer than this fraction of points remain.
    """

    model: str = "auto"
    max_width: int | None = 960
    max_corners: int = 500
    quality: float = 0.005
    min_distance: float = 8.0
    window: int = 21
    levels: int = 3
    fb_threshold: float = 0.5
    ransac_threshold: float = 1.0
    redetect_fraction: float = 0.5
    min_points: int = 12


@dataclass
class FrameMotion:
    """What the tracker found in one frame (full-size pixels).

    Attributes:
        homography: Maps start-frame coordinates to this frame's.
        model: Model fitted for this frame ("none" when tracking was lost and the
            previous frame's matrix was kept).
        points: Tracked points in this frame (analysed-picture pixels / scale), for display.
    """

    homography: np.ndarray
    model: str
    inliers: int
    rms: float
    points: np.ndarray = field(repr=False, default_factory=lambda: np.zeros((0, 2)))


class Tracker:
    """Streaming tracker: ``feed`` one picture at a time, in order."""

    def __init__(self, settings: TrackerSettings | None = None, region: np.ndarray | None = None):
        """Args:
            region: Optional polygon (N, 2) in full-size start-frame pixels; only
                features inside it are tracked (planar track of that surface).
        """
        self.settings = settings or TrackerSettings()
        self.region = None if region is None else np.asarray(region, dtype=np.float64).reshape(-1, 2)
        self._scale = 1.0
        self._prev = None
        self._anchor_h = np.eye(3)  # start -> anchor, analysed pixels
        self._last_h = np.eye(3)
        self._ref = np.zeros((0, 2), np.float32)  # point positions in the anchor frame
        self._cur = np.zeros((0, 2), np.float32)  # the same points in the previous frame

    def feed(self, image: np.ndarray) -> FrameMotion:
        """Track one frame (RGB or grey, any size constant over the shot)."""
        gray = self._prepare(image)
        s = self.settings
        if self._prev is None:
            self._prev = gray
            self._detect(gray, np.eye(3))
            return self._result(np.eye(3), "identity", len(self._ref), 0.0)
        model, inliers, rms = "none", 0, float("nan")
        h = self._last_h
        if len(self._cur):
            lk = dict(winSize=(s.window, s.window), maxLevel=s.levels,
                      criteria=(cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 30, 0.01))
            nxt, st1, _ = cv2.calcOpticalFlowPyrLK(self._prev, gray, self._cur, None, **lk)
            back, st2, _ = cv2.calcOpticalFlowPyrLK(gray, self._prev, nxt, None, **lk)
            fb = np.linalg.norm(back - self._cur, axis=1)
            keep = (st1.ravel() == 1) & (st2.ravel() == 1) & (fb < s.fb_threshold)
            self._ref, self._cur = self._ref[keep], nxt[keep]
            result = motion.fit(self._ref, self._cur, self._model(), s.ransac_threshold)
            if result.model != "none" and result.inliers.sum() >= min(s.min_points, 4):
                # Outliers (moving objects) are dropped so they cannot pull later fits.
                self._ref, self._cur = self._ref[result.inliers], self._cur[result.inliers]
                h = result.matrix @ self._anchor_h
                model, inliers, rms = result.model, int(result.inliers.sum()), result.rms
        self._last_h = h
        if len(self._cur) < max(s.min_points, s.redetect_fraction * self._detected):
            self._detect(gray, h)
        self._prev = gray
        return self._result(h, model, inliers, rms)

    # -- internals ----------------------------------------------------------------------

    def _model(self) -> str:
        if self.settings.model == "auto" and self.region is not None:
            return "homography"
        return self.settings.model

    def _prepare(self, image: np.ndarray) -> np.ndarray:
        gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image
        if self._prev is None:
            w = gray.shape[1]
            mw = self.settings.max_width
            self._scale = 1.0 if not mw or w <= mw else mw / w
        if self._scale != 1.0:
            size = (round(gray.shape[1] * self._scale), round(gray.shape[0] * self._scale))
            gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
        return gray

    def _detect(self, gray: np.ndarray, h: np.ndarray) -> None:
        s = self.settings
        mask = None
        if self.region is not None:
            # The region drawn on the start frame, carried to this frame by the track so far.
            poly = motion.apply(h, self.region * self._scale)
            mask = np.zeros(gray.shape, np.uint8)
            cv2.fillPoly(mask, [np.round(poly).astype(np.int32)], 255)
        corners = cv2.goodFeaturesToTrack(gray, s.max_corners, s.quality, s.min_distance,
                                          mask=mask, blockSize=7)
        pts = np.zeros((0, 2), np.float32) if corners is None else corners.reshape(-1, 2)
        if len(pts):
            pts = cv2.cornerSubPix(gray, pts.copy(), (5, 5), (-1, -1),
                                   (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 20, 0.01))
        self._ref = pts.astype(np.float32)
        self._cur = self._ref.copy()
        self._anchor_h = h.copy()
        self._detected = len(pts)

    def _result(self, h_scaled: np.ndarray, model: str, inliers: int, rms: float) -> FrameMotion:
        s = np.diag([self._scale, self._scale, 1.0])
        h = np.linalg.inv(s) @ h_scaled @ s
        h = h / h[2, 2]
        return FrameMotion(h, model, inliers, rms / self._scale if np.isfinite(rms) else rms,
                           self._cur.astype(np.float64) / self._scale)


def track_frames(frames: Iterable[np.ndarray], settings: TrackerSettings | None = None,
                 region: np.ndarray | None = None, total: int | None = None) -> Job[list[FrameMotion]]:
    """Track pictures held in memory; yields progress, returns one ``FrameMotion`` each."""
    tracker = Tracker(settings, region)
    out: list[FrameMotion] = []
    for i, image in enumerate(frames):
        out.append(tracker.feed(image))
        yield ((i + 1) / total if total else 0.0), f"tracked frame {i + 1}"
    return out


def track_shot(path: str | Path, start: int = 0, end: int | None = None,
               settings: TrackerSettings | None = None,
               region: np.ndarray | None = None) -> Job[CameraTrack]:
    """Track frames ``start <= k < end`` of a file; the job's result is a ``CameraTrack``.

    Frames are decoded straight to grey at the analysis size (cheaper than scaling RGB).

    Raises:
        MediaError: the file cannot be read.
    """
    from engine.media import FrameReader

    settings = settings or TrackerSettings()
    with FrameReader(path, pix_fmt="gray") as probe_reader:
        info = probe_reader.info.video
    width, height = info.width, info.height
    end = info.frame_count if end is None else min(end, info.frame_count)
    if not 0 <= start < end:
        raise ValueError(f"empty frame range {start}..{end}")
    scale = 1.0 if not settings.max_width or width <= settings.max_width else settings.max_width / width
    size = None if scale == 1.0 else (round(width * scale), round(height * scale))
    # Frames arrive already reduced; the tracker must still report full-size matrices.
    tracker = Tracker(_replace(settings, max_width=None), None if region is None else np.asarray(region) * scale)
    motions: list[FrameMotion] = []
    with FrameReader(path, size=size, pix_fmt="gray") as reader:
        for frame in reader.frames(start, end):
            m = tracker.feed(frame.image)
            m = _rescale(m, scale)
            motions.append(m)
            yield (len(motions) / (end - start)), f"tracked frame {frame.index}"
    return CameraTrack.from_motions(
        motions, source=str(path), start=start, width=width, height=height,
        frame_rate=Fraction(info.frame_rate), region=region)


def _replace(settings: TrackerSettings, **changes) -> TrackerSettings:
    from dataclasses import replace
    return replace(settings, **changes)


def _rescale(m: FrameMotion, scale: float) -> FrameMotion:
    if scale == 1.0:
        return m
    s = np.diag([scale, scale, 1.0])
    h = np.linalg.inv(s) @ m.homography @ s
    return FrameMotion(h / h[2, 2], m.model, m.inliers, m.rms / scale, m.points / scale)
