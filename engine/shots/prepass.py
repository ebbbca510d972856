"""A cheap, high-recall pre-pass that tells where the network need not look.

Within a still or slowly changing stretch of one shot, consecutive 48x27 frames
differ by about one grey level; every cut, dissolve and fade frame of the dev
sequences moves the picture by more than twice that (dissolves least: 2.3 levels
per frame at the slowest). Frames far from any change above the threshold cannot
hold a transition, so the network skips them.
"""
from __future__ import annotations

import numpy as np

#: Mean absolute difference (grey levels) to the previous frame that wakes the network.
CHANGE_THRESHOLD = 1.0
#: Frames either side of a changing frame that the network scores too: the single-frame
#: head fires on the frame before a cut, and a dissolve may start gently.
PAD = 4


def frame_changes(frames: np.ndarray, previous: np.ndarray | None) -> np.ndarray:
    """Mean absolute difference of each frame to the one before it (0 for the first).

    Args:
        frames: (k, H, W, 3) uint8.
        previous: The frame before ``frames[0]``, or None at the start of the video.
    """
    if previous is not None:
        frames = np.concatenate((previous[None], frames))
    diffs = np.abs(np.diff(frames.astype(np.int16), axis=0)).mean(axis=(1, 2, 3), dtype=np.float32)
    return diffs if previous is not None else np.concatenate(([0.0], diffs)).astype(np.float32)


def candidate_mask(changes: np.ndarray, threshold: float = CHANGE_THRESHOLD, pad: int = PAD) -> np.ndarray:
    """Frames the network must score: changing frames widened by ``pad`` either side.

    Sources of 10-15 fps up-sampled to film rates repeat frames, so a moving picture
    can alternate between no change and some; the neighbour maximum bridges that.
    """
    if len(changes) == 0:
        return np.zeros(0, bool)
    smooth = changes.copy()
    smooth[1:] = np.maximum(smooth[1:], changes[:-1])
    smooth[:-1] = np.maximum(smooth[:-1], changes[1:])
    active = smooth > threshold
    if pad:
        active = np.convolve(active, np.ones(2 * pad + 1), mode="same") > 0
    return active
