"""Picture features of one small BGR frame, and a shot's dominant colours.

All values are scaled to roughly [0, 1] (warmth to [-1, 1]) so that the emotion
model's weights read as plain numbers. Frames arrive already downscaled by the
decoder; nothing here depends on the source resolution except sharpness, which
is measured on the 320-wide analysis frame for every source alike.
"""
from __future__ import annotations

import cv2
import numpy as np

#: Per-frame picture measurements, in the order ``frame_stats`` returns them.
FRAME_STATS = ("brightness", "contrast", "saturation", "colourfulness", "warmth", "sharpness")
PALETTE_SIZE = 5
# Hasler & Süsstrunk's M reaches ~110 for extremely colourful pictures; /100 keeps
# ordinary footage (M 15-60) in 0.15-0.6 next to the other features.
COLOURFULNESS_SCALE = 100.0


def frame_stats(small_bgr: np.ndarray, gray: np.ndarray) -> tuple[float, ...]:
    """Picture measurements of one frame, in ``FRAME_STATS`` order.

    Args:
        small_bgr: uint8 (h, w, 3) BGR, small (about 160 px wide is plenty for means).
        gray: uint8 (H, W) gray of the analysis frame (for sharpness).

    Returns:
        brightness (mean luma 0-1), contrast (luma std 0-1), saturation (mean HSV
        S 0-1), colourfulness (Hasler-Süsstrunk M / 100), warmth (mean (R-B)/255,
        -1 cool .. +1 warm), sharpness (log10 of 1 + Laplacian variance).
    """
    luma = cv2.cvtColor(small_bgr, cv2.COLOR_BGR2GRAY)
    mean, std = cv2.meanStdDev(luma)
    hsv = cv2.cvtColor(small_bgr, cv2.COLOR_BGR2HSV)
    saturation = cv2.mean(hsv[..., 1])[0] / 255.0
    x = small_bgr.astype(np.float32)
    b, g, r = x[..., 0], x[..., 1], x[..., 2]
    rg = r - g
    yb = 0.5 * (r + g) - b
    # Hasler & Süsstrunk (2003), eq. 3: sigma_rgyb + 0.3 * mu_rgyb.
    colourful = (np.sqrt(rg.var() + yb.var()) + 0.3 * np.sqrt(rg.mean() ** 2 + yb.mean() ** 2))
    warmth = float((r.mean() - b.mean()) / 255.0)
    _, lap_std = cv2.meanStdDev(cv2.Laplacian(gray, cv2.CV_16S, ksize=3))
    sharpness = float(np.log10(1.0 + lap_std[0, 0] ** 2))
    return (float(mean[0, 0]) / 255.0, float(std[0, 0]) / 255.0, float(saturation),
            float(colourful) / COLOURFULNESS_SCALE, warmth, sharpness)


def palette(frames: list[np.ndarray], k: int = PALETTE_SIZE, seed: int = 0) -> list[tuple[str, float]]:
    """Dominant colours of a few small BGR frames: k-means in Lab.

    Lab rather than RGB so that clusters split where the eye sees different
    colours, not along brightness alone.

    Returns:
        Up to ``k`` ("#rrggbb", share) pairs, largest share first.
    """
    if not frames:
        return []
    pixels = np.concatenate([f.reshape(-1, 3) for f in frames])
    if len(pixels) > 4000:
        # A fixed stride keeps the result deterministic and the cost flat.
        pixels = pixels[:: len(pixels) // 4000]
    lab = cv2.cvtColor(pixels[None], cv2.COLOR_BGR2LAB)[0].astype(np.float32)
    k = max(1, min(k, len(np.unique(pixels, axis=0))))
    cv2.setRNGSeed(seed)
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 1.0)
    _, labels, centres = cv2.kmeans(lab, k, None, criteria, 2, cv2.KMEANS_PP_CENTERS)
    counts = np.bincount(labels.ravel(), minlength=k)
    bgr = cv2.cvtColor(np.clip(centres, 0, 255).astype(np.uint8)[None], cv2.COLOR_LAB2BGR)[0]
    order = np.argsort(-counts)
    return [(f"#{bgr[i, 2]:02x}{bgr[i, 1]:02x}{bgr[i, 0]:02x}", float(counts[i] / counts.sum()))
            for i in order if counts[i] > 0]
