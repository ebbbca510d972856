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


# A border row or column whose brightest pixel is this dark (0-255 luma) is a letterbox
# or pillarbox bar: black in limited-range video decodes to 0-16, plus coding noise.
BAR_LUMA = 24
# Bars are cropped only when the picture left is at least this share of each side:
# a frame that is mostly dark (a night scene, a fade) is measured whole.
MIN_PICTURE = 0.5


def picture_area(luma: np.ndarray) -> tuple[slice, slice]:
    """(rows, columns) of a frame inside its letterbox or pillarbox bars.

    A 4:3 clip cut into a 16:9 sequence carries black bars a viewer does not read
    as part of the picture; measured whole, the same clip would be darker, less
    colourful and more contrasted in a sequence than on its own.
    """
    h, w = luma.shape[:2]
    rows = np.flatnonzero(luma.max(axis=1) > BAR_LUMA)
    cols = np.flatnonzero(luma.max(axis=0) > BAR_LUMA)
    if not len(rows) or not len(cols):
        return slice(0, h), slice(0, w)
    r0, r1, c0, c1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    if r1 - r0 < MIN_PICTURE * h or c1 - c0 < MIN_PICTURE * w:
        return slice(0, h), slice(0, w)
    return slice(r0, r1), slice(c0, c1)


def frame_stats(small_bgr: np.ndarray, gray: np.ndarray) -> tuple[float, ...]:
    """Picture measurements of one frame, in ``FRAME_STATS`` order.

    Args:
        small_bgr: uint8 (h, w, 3) BGR, small (about 160 px wide is plenty for means).
        gray: uint8 (H, W) gray of the analysis frame (for sharpness).

    Returns:
        brightness (mean luma 0-1), contrast (luma std 0-1), saturation (mean HSV
        S 0-1), colourfulness (Hasler-Süsstrunk M / 100), warmth (mean (R-B)/255,
        -1 cool .. +1 warm), sharpness (log10 of 1 + Laplacian variance); all
        measured inside letterbox or pillarbox bars (``picture_area``).
    """
    luma = cv2.cvtColor(small_bgr, cv2.COLOR_BGR2GRAY)
    rows, cols = picture_area(luma)
    if (rows.stop - rows.start, cols.stop - cols.start) != luma.shape[:2]:
        sy, sx = gray.shape[0] / luma.shape[0], gray.shape[1] / luma.shape[1]
        # one small-frame pixel inwards on the big frame: the bar's edge is not detail
        gray = gray[int((rows.start + 1) * sy):max(int((rows.stop - 1) * sy), int((rows.start + 1) * sy) + 3),
                    int((cols.start + 1) * sx):max(int((cols.stop - 1) * sx), int((cols.start + 1) * sx) + 3)]
        small_bgr = np.ascontiguousarray(small_bgr[rows, cols])
        luma = np.ascontiguousarray(luma[rows, cols])
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
