"""Robust 2D motion models between point sets: translation, similarity, homography.

Each model is returned as a 3x3 matrix so callers compose them uniformly. With
``model="auto"`` the simplest model that explains the points is chosen by Torr's
GRIC criterion: extra parameters must buy a real drop in residual, so a shot that only
pans is not given a noisy perspective fit.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

MODELS = ("translation", "similarity", "homography")
_PARAMS = {"translation": 2, "similarity": 4, "homography": 8}
_MIN_POINTS = {"translation": 1, "similarity": 2, "homography": 4}
# Residual floor (px) for GRIC's noise estimate: synthetic or very clean tracks would
# otherwise have sigma -> 0 and every sub-pixel difference would look significant.
_SIGMA_FLOOR = 0.1


@dataclass(frozen=True)
class MotionFit:
    """One fitted model.

    Attributes:
        matrix: 3x3 float64 mapping source points to destination points.
        model: "translation", "similarity", "homography" or "none" (too few points).
        inliers: Boolean mask over the input points.
        rms: Root-mean-square residual of the inliers, in pixels.
    """

    matrix: np.ndarray
    model: str
    inliers: np.ndarray
    rms: float


def apply(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Map (N, 2) points through a 3x3 matrix."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    h = np.c_[pts, np.ones(len(pts))] @ np.asarray(matrix, dtype=np.float64).T
    return h[:, :2] / h[:, 2:3]


def residuals(matrix: np.ndarray, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Distance in pixels between ``matrix @ src`` and ``dst``, per point."""
    return np.linalg.norm(apply(matrix, src) - dst, axis=1)


def fit(src: np.ndarray, dst: np.ndarray, model: str = "auto", threshold: float = 1.0) -> MotionFit:
    """Fit ``model`` mapping ``src`` to ``dst`` robustly (RANSAC, then least squares on inliers).

    Args:
        src, dst: (N, 2) matching points.
        model: One of ``MODELS`` or "auto".
        threshold: RANSAC inlier distance in pixels.
    """
    src = np.asarray(src, dtype=np.float64).reshape(-1, 2)
    dst = np.asarray(dst, dtype=np.float64).reshape(-1, 2)
    if model == "auto":
        return _select(src, dst, threshold)
    if model not in MODELS:
        raise ValueError(f"model must be 'auto' or one of {MODELS}, not {model!r}")
    if len(src) < _MIN_POINTS[model]:
        return MotionFit(np.eye(3), "none", np.zeros(len(src), bool), float("nan"))
    matrix = _FITTERS[model](src, dst, threshold)
    if matrix is None:
        return MotionFit(np.eye(3), "none", np.zeros(len(src), bool), float("nan"))
    err = residuals(matrix, src, dst)
    inliers = err < threshold
    rms = float(np.sqrt(np.mean(err[inliers] ** 2))) if inliers.any() else float("nan")
    return MotionFit(matrix, model, inliers, rms)


def _fit_translation(src, dst, threshold):
    # One-point model: the median displacement is already robust, so RANSAC is not needed.
    delta = dst - src
    t = np.median(delta, axis=0)
    inliers = np.linalg.norm(delta - t, axis=1) < threshold
    if inliers.any():
        t = delta[inliers].mean(axis=0)
    m = np.eye(3)
    m[:2, 2] = t
    return m


def _fit_similarity(src, dst, threshold):
    if len(src) == 2:
        a, _ = cv2.estimateAffinePartial2D(src, dst, method=cv2.LMEDS)
    else:
        a, _ = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC,
                                           ransacReprojThreshold=threshold, refineIters=20)
    return None if a is None else np.vstack([a, [0.0, 0.0, 1.0]])


def _fit_homography(src, dst, threshold):
    h, mask = cv2.findHomography(src, dst, cv2.RANSAC, threshold, maxIters=2000, confidence=0.999)
    if h is None:
        return None
    inliers = mask.ravel().astype(bool)
    if inliers.sum() >= 8:
        # Least squares on the consensus set (OpenCV refines, but on its own inlier test).
        refined, _ = cv2.findHomography(src[inliers], dst[inliers], 0)
        if refined is not None:
            h = refined
    return h / h[2, 2]


_FITTERS = {"translation": _fit_translation, "similarity": _fit_similarity,
            "homography": _fit_homography}


def _select(src: np.ndarray, dst: np.ndarray, threshold: float) -> MotionFit:
    fits = [fit(src, dst, m, threshold) for m in MODELS if len(src) >= max(_MIN_POINTS[m], 2 * _PARAMS[m])]
    fits = [f for f in fits if f.model != "none"]
    if not fits:
        return fit(src, dst, "translation", threshold)
    # Noise level from the most general model's inliers.
    general = fits[-1]
    sigma = max(general.rms if np.isfinite(general.rms) else threshold, _SIGMA_FLOOR)
    n = len(src)
    best, best_score = fits[0], np.inf
    for f in fits:
        e2 = residuals(f.matrix, src, dst) ** 2 / sigma**2
        # GRIC for 2D-to-2D maps: robust data term (capped at 2(r - d) = 4) plus a
        # penalty of log(r n) per parameter; r = 4 coordinates, d = 2 for all three.
        score = np.minimum(e2, 4.0).sum() + np.log(4 * n) * _PARAMS[f.model]
        if score < best_score:
            best, best_score = f, score
    return best
