"""Dense optical flow at low resolution, split into camera and subject motion.

Farneback flow on ~80-px-wide gray frames costs about half a millisecond a frame:
cheap enough to run on every frame, which motion peaks need (sampling would
alias fast action). At that size the CPU beats a round trip to a GPU, so flow
stays on the CPU even when CUDA is available.

Camera motion is the part of the flow an affine model of the whole frame
explains (pan, tilt, zoom, roll); subject motion is what is left. The split is
a least-squares fit with one pass of outlier rejection, so a person crossing a
static frame counts as subject motion rather than dragging the fit along.
"""
from __future__ import annotations

import cv2
import numpy as np
from scipy.signal import find_peaks

FLOW_WIDTH = 80
# Farneback settings for tiny frames: 2 pyramid levels (a third would be ~10 px),
# 9-px window to cope with the blur of the downscale.
_FARNEBACK = dict(pyr_scale=0.5, levels=2, winsize=9, iterations=2, poly_n=5, poly_sigma=1.1, flags=0)


class FlowMeter:
    """Per-frame motion of a stream of small gray frames.

    ``push`` each frame in order; it returns the motion between the previous frame
    and this one, in flow-frame pixels per frame interval, or NaNs at the first
    frame of a shot (flow across a cut measures the cut, not motion).
    """

    def __init__(self):
        self._prev: np.ndarray | None = None
        self._design: np.ndarray | None = None
        self._pinv: np.ndarray | None = None

    def push(self, gray: np.ndarray, shot_start: bool) -> tuple[float, float, float]:
        """(total, camera, subject) mean flow magnitudes for ``gray`` against the previous frame."""
        prev, self._prev = self._prev, gray
        if prev is None or shot_start or prev.shape != gray.shape:
            return (np.nan, np.nan, np.nan)
        flow = cv2.calcOpticalFlowFarneback(prev, gray, None, **_FARNEBACK)
        return self.split(flow)

    def split(self, flow: np.ndarray) -> tuple[float, float, float]:
        """(total, camera, subject) mean magnitudes of one (h, w, 2) flow field."""
        h, w = flow.shape[:2]
        if self._design is None or self._design.shape[0] != h * w:
            ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
            self._design = np.stack([xs.ravel() / w - 0.5, ys.ravel() / h - 0.5, np.ones(h * w, np.float32)], 1)
            self._pinv = np.linalg.pinv(self._design)
        uv = flow.reshape(-1, 2)
        total = float(np.sqrt(np.einsum("ij,ij->i", uv, uv)).mean())
        model = self._design @ (self._pinv @ uv)
        residual = np.sqrt(np.einsum("ij,ij->i", uv - model, uv - model))
        # Refit on the pixels the first fit explains: the background, usually. (The normal
        # equations of a 3-parameter fit: a 3x3 solve, a fifth of lstsq's cost.)
        keep = residual <= max(2.0 * float(np.median(residual)), 1e-3)
        if keep.sum() >= 12:
            kept = self._design[keep]
            params = np.linalg.solve(kept.T @ kept, kept.T @ uv[keep])
            model = self._design @ params
            residual = np.sqrt(np.einsum("ij,ij->i", uv - model, uv - model))
        camera = float(np.hypot(model[:, 0], model[:, 1]).mean())
        return total, camera, float(residual.mean())


def motion_peaks(motion: np.ndarray, fps: float) -> int:
    """Bursts of motion inside a shot: peaks of the per-frame motion that stand out.

    A peak must rise at least 1.5x the shot's median motion plus a small floor
    above its surroundings and be 0.25 s from the next one, so steady movement
    gives none and a punch, a fall or a whip pan gives one each.
    """
    m = np.asarray(motion, float)
    m = m[np.isfinite(m)]
    if len(m) < 3:
        return 0
    prominence = 1.5 * float(np.median(m)) + 0.02
    peaks, _ = find_peaks(m, prominence=prominence, distance=max(1, int(round(0.25 * fps))))
    return int(len(peaks))


def strongest_second(motion: np.ndarray, fps: float) -> float:
    """Mean motion of the shot's busiest second (the whole shot's mean when it is shorter).

    A per-shot mean or percentile dilutes a short event in a long shot: a car
    rushing past for a second of a six-second shot barely moves the shot's 90th
    percentile. The busiest second does not depend on how long the shot runs on.
    """
    m = np.asarray(motion, float)
    m = m[np.isfinite(m)]
    if not len(m):
        return 0.0
    width = int(min(len(m), max(1, round(fps))))
    return float(np.convolve(m, np.ones(width) / width, mode="valid").max())
