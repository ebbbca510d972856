"""The cascade's cheap first stage: where on the 48x27 frames the network must look.

Per frame it measures, against the frame before, the mean absolute pixel
difference and the share of the colour histogram that moved (the network's own
512-bin RGB histogram), and the mean luma. A frame is a candidate when either
difference is above its threshold, or when it is near black (the middle of a
fade). Candidates are widened by ``pad`` frames either side, and
the network scores only those frames (with its context around them).

The thresholds are set well under the smallest values met on frames where the
full network fires on the dev sequences (``benchmarks/shots.py --sweep`` prints
the sweep): within a still or slowly changing stretch of one shot consecutive
frames differ by about one grey level, while every frame the network marks as
part of a transition sits within ``pad`` frames of a clearly larger change (the
slowest dissolve moves 2.3 levels a frame, a fade to black more). A difference
across six frames, tried for slow dissolves, added a tenth more network work on
the dev sequences and no recall, so it is not used.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Frames of history the measures need (the frame before).
HISTORY = 1


@dataclass(frozen=True)
class CheapThresholds:
    """When a frame wakes the network.

    Attributes:
        pixel: Mean absolute difference to the previous frame (grey levels).
        histogram: Share (0-1) of the colour histogram that moved since the previous frame.
        dark: Mean luma (0-255) under which a frame is a candidate (fades pass through black).
        pad: Frames either side of a candidate that the network scores too: the
            single-frame head fires on the frame before a cut, and a dissolve may start gently.
            It also widens the context the network sees past a run's last trigger: a pad
            of 1 covers every frame the full network fires on in the dev sequences and gives
            it 10 % fewer frames, but as a shorter context it dropped the cut into a
            two-frame shot (tests/engine/test_shots.py) whose score sits near the threshold.
    """

    pixel: float = 2.0
    histogram: float = 0.25
    dark: float = 20.0
    pad: int = 3


#: Every frame is a candidate (the full network): for tests and benchmarks.
EVERYTHING = CheapThresholds(pixel=-1.0)


def histograms(frames: np.ndarray) -> np.ndarray:
    """(k, 512) float32 colour histograms, each summing to 1 (3 bits per channel, as the network)."""
    f = frames.reshape(len(frames), -1, 3)
    bins = ((f[..., 0] >> 5).astype(np.int32) << 6) | ((f[..., 1] >> 5).astype(np.int32) << 3) | (f[..., 2] >> 5)
    bins += (np.arange(len(frames), dtype=np.int32) * 512)[:, None]
    counts = np.bincount(bins.ravel(), minlength=len(frames) * 512).reshape(len(frames), 512)
    return (counts / f.shape[1]).astype(np.float32)


@dataclass
class CheapMeasures:
    """Per-frame measures of a run of frames (see the module docstring)."""

    pixel: np.ndarray
    histogram: np.ndarray
    luma: np.ndarray

    def __len__(self) -> int:
        return len(self.pixel)


def measure(frames: np.ndarray, history: np.ndarray) -> CheapMeasures:
    """Measures of ``frames`` given the frames before them.

    Args:
        frames: (k, H, W, 3) uint8.
        history: (j, H, W, 3) uint8, the frames just before ``frames[0]`` (j may be 0
            at the start of the video); only the last is used.
    """
    history = history[-HISTORY:]
    both = np.concatenate((history, frames)) if len(history) else frames
    j, k = len(history), len(frames)
    wide = both.astype(np.int16)
    pixel = np.zeros(k, np.float32)
    hist = histograms(both)
    hdiff = np.zeros(k, np.float32)
    first = 1 if j == 0 else 0  # the video's first frame has nothing to differ from
    idx = np.arange(j + first, j + k)
    if len(idx):
        pixel[first:] = np.abs(wide[idx] - wide[idx - 1]).mean(axis=(1, 2, 3), dtype=np.float32)
        hdiff[first:] = 0.5 * np.abs(hist[idx] - hist[idx - 1]).sum(axis=1)
    luma = frames.mean(axis=(1, 2, 3), dtype=np.float32)
    return CheapMeasures(pixel, hdiff, luma)


def triggers(m: CheapMeasures, th: CheapThresholds = CheapThresholds()) -> np.ndarray:
    """Frames whose own measures make them candidates (before widening)."""
    return (m.pixel > th.pixel) | (m.histogram > th.histogram) | (m.luma < th.dark)


def widen(trigger: np.ndarray, pad: int) -> np.ndarray:
    """Frames within ``pad`` of a triggering frame."""
    if pad <= 0 or not len(trigger):
        return trigger.copy()
    return np.convolve(trigger, np.ones(2 * pad + 1), mode="same") > 0


def frame_changes(frames: np.ndarray, previous: np.ndarray | None) -> np.ndarray:
    """Mean absolute difference of each frame to the one before it (0 for the first).

    Args:
        frames: (k, H, W, 3) uint8.
        previous: The frame before ``frames[0]``, or None at the start of the video.
    """
    history = previous[None] if previous is not None else frames[:0]
    return measure(frames, history).pixel
