"""Dense optical flow at low resolution, split into camera and subject motion.

Farneback flow on ~80-px-wide gray frames costs about half a millisecond a frame:
cheap enough to run on every frame, which motion peaks need (sampling would
alias fast action). At that size the CPU beats a round trip to a GPU, so flow
stays on the CPU even when CUDA is available.

Camera motion is the part of the flow an affine model of the whole frame
explains (pan, tilt, zoom, roll); subject motion is what is left. The split is
a least-squares fit with one pass of outlier rejection, so a person crossing a
static frame counts as subject motion rather than dragging the fit along.

Picture change, the mean absolute difference between consecutive frames, is the
classic motion activity of Hanjalic & Xu (2005). It also sees what flow at this
size misses: fast, blurred action moving further than the flow's two pyramid
levels reach, flashes and flicker.
"""
from __future__ import annotations

import functools

import cv2
import numpy as np
from scipy.signal import find_peaks

FLOW_WIDTH = 80
# Farneback settings for tiny frames: 2 pyramid levels (a third would be ~10 px),
# 9-px window to cope with the blur of the downscale.
_FARNEBACK = dict(pyr_scale=0.5, levels=2, winsize=9, iterations=2, poly_n=5, poly_sigma=1.1, flags=0)


class FlowMeter:
    """Flow and picture change between consecutive small gray frames of one unbroken stream."""

    def __init__(self):
        self._prev: np.ndarray | None = None

    def push(self, gray: np.ndarray) -> tuple[np.ndarray, float] | None:
        """The (h, w, 2) flow from the previous frame to ``gray`` (flow-frame pixels per frame
        interval) and the picture change (mean absolute difference, grey levels); None at the
        first frame (a new meter starts after a gap)."""
        prev, self._prev = self._prev, gray
        if prev is None or prev.shape != gray.shape:
            return None
        change = cv2.mean(cv2.absdiff(prev, gray))[0]
        return cv2.calcOpticalFlowFarneback(prev, gray, None, **_FARNEBACK), change


def split_motion(flows: np.ndarray) -> np.ndarray:
    """(n, 3) total, camera and subject mean flow magnitudes of (n, h, w, 2) flow fields.

    Done for many frames at once, as matrix products over the u and v planes: frame by
    frame, the call overhead of a few dozen numpy calls on ~3,600 pixels cost more than
    the flow itself. The products run on one BLAS thread: at this size OpenBLAS's extra
    threads finish no sooner and spin afterwards, twice the CPU (measured on 2 CPUs),
    taken from the decoder and the shot network that run beside this.
    """
    with _blas().limit(limits=1, user_api="blas"):
        return _split_motion(flows)


@functools.cache
def _blas():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def _split_motion(flows: np.ndarray) -> np.ndarray:
    n, h, w = flows.shape[:3]
    design, pinv, products = _affine_design(h, w)
    planes = flows.reshape(n, h * w, 2)
    u, v = np.ascontiguousarray(planes[..., 0]), np.ascontiguousarray(planes[..., 1])
    total = np.hypot(u, v).mean(axis=1)
    mu, mv = (u @ pinv.T) @ design.T, (v @ pinv.T) @ design.T
    residual = np.hypot(u - mu, v - mv)
    # Refit on the pixels the first fit explains (the background, usually), by the normal
    # equations of the 3-parameter fit; a frame with too few of them, or only collinear
    # ones, keeps the first fit.
    keep = (residual <= np.maximum(2.0 * np.median(residual, axis=1), 1e-3)[:, None]).astype(np.float32)
    normal = (keep @ products)[:, _SYMMETRIC]  # (n, 3, 3): sum over kept pixels of d d^T
    refit = (keep.sum(axis=1) >= 12) & (np.abs(np.linalg.det(normal)) > 1e-9)
    if refit.any():
        k = keep[refit]
        rhs = np.stack([(k * u[refit]) @ design, (k * v[refit]) @ design], axis=2)  # (m, 3, 2)
        params = np.linalg.solve(normal[refit], rhs)
        mu[refit] = params[:, :, 0] @ design.T
        mv[refit] = params[:, :, 1] @ design.T
        residual[refit] = np.hypot(u[refit] - mu[refit], v[refit] - mv[refit])
    return np.stack([total, np.hypot(mu, mv).mean(axis=1), residual.mean(axis=1)], axis=1)


# Where each entry of a 3x3 symmetric matrix sits among the 6 products of `_affine_design`.
_SYMMETRIC = np.array([[0, 1, 2], [1, 3, 4], [2, 4, 5]])


@functools.lru_cache(maxsize=4)
def _affine_design(h: int, w: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """An affine flow model over an h x w grid: the (h*w, 3) design matrix over normalised x, y
    and 1, its pseudo-inverse, and the (h*w, 6) products of its columns (xx, xy, x, yy, y, 1)."""
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    design = np.stack([xs.ravel() / w - 0.5, ys.ravel() / h - 0.5, np.ones(h * w, np.float32)], 1)
    pairs = [(0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)]
    products = np.stack([design[:, i] * design[:, j] for i, j in pairs], 1)
    return design, np.linalg.pinv(design), products


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
