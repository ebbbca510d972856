"""Geometry shared by the view and its painters: rows and the frame ↔ x mapping."""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

HEADER_WIDTH = 104  # the lane titles and the playhead timecode
RULER_HEIGHT = 28
SHOTS_HEIGHT = 80
EMOTION_HEIGHT = 58
VIDEO_HEIGHT = 26
AUDIO_HEIGHT = 40
ROW_GAP = 1
END_PADDING = 24  # room after the last frame so the final shot's edge is visible


class Row(NamedTuple):
    key: str  # "ruler", "shots", "emotion", or a lane name ("V1", "A2", …)
    title: str
    top: int
    height: int

    @property
    def bottom(self) -> int:
        return self.top + self.height

    def contains(self, y: float) -> bool:
        return self.top <= y < self.bottom


def stack_rows(lanes, above=()) -> list[Row]:
    """Rows top to bottom: ruler, the lanes ``above`` the shots, shots, emotion curve, then
    ``lanes``.

    A clip's upper video tracks (V3, V2) go above its shots, which are its V1, as an NLE
    stacks them; a proposal's tracks all go below the emotion curve.
    """
    def lane_rows(group):
        return [(lane.name, lane.name, AUDIO_HEIGHT if lane.audio else VIDEO_HEIGHT) for lane in group]

    spec = [("ruler", "", RULER_HEIGHT), *lane_rows(above), ("shots", "Shots", SHOTS_HEIGHT),
            ("emotion", "Emotion", EMOTION_HEIGHT), *lane_rows(lanes)]
    rows, top = [], 0
    for key, title, height in spec:
        rows.append(Row(key, title, top, height))
        top += height + ROW_GAP
    return rows


@dataclass
class Canvas:
    """Where frames land on screen for one paint: ``x = left + frame * scale - offset``.

    Attributes:
        scale: Pixels per frame.
        offset: Horizontal scroll in pixels.
        left: x of frame 0 when not scrolled (the header's right edge).
        width: Viewport width.
        first: First frame the paint has to cover (may be fractional).
        last: Last frame the paint has to cover.
    """

    scale: float
    offset: float
    left: int
    width: int
    first: float = 0.0
    last: float = 0.0

    def x(self, frame):
        """x of a frame's left edge (scalars or numpy arrays)."""
        return self.left + frame * self.scale - self.offset

    def frame(self, x: float) -> float:
        """The (fractional) frame under ``x``."""
        return (x - self.left + self.offset) / self.scale

    def blocks(self, starts: np.ndarray, stops: np.ndarray, first: int = 0):
        """Pixel spans of blocks ``[start, stop)`` (frames), at most one per pixel column.

        Zoomed out, hundreds of blocks share a column; only the first block to reach past
        what is already covered is kept, so drawing costs the width, not the count.

        Returns:
            ``(indices, left, right)``: ``first`` + position of each kept block, and its
            integer x span (``right`` exclusive).
        """
        if len(starts) == 0:
            return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int64)
        left = np.floor(self.x(starts)).astype(np.int64)
        right = np.floor(self.x(stops)).astype(np.int64)
        covered = np.maximum.accumulate(right)
        before = np.concatenate(([np.iinfo(np.int64).min], covered[:-1]))
        keep = np.flatnonzero(right > before)
        return keep + first, np.maximum(left[keep], before[keep]), right[keep]

    def columns(self, values: np.ndarray, length: int, x0: int, x1: int,
                mean: bool = False, points: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Per-pixel-column reduction of ``values`` spread evenly over frames [0, length).

        Returns column centres and, per column, the peak (or the mean, ignoring NaN) of
        the samples under it; zoomed in, a column samples the value under it. Peaks are
        the default because an editor looks for the loudest or most aroused moment.
        With ``points``, once samples are sparser than columns, returns the samples at
        their own centres instead (a curve through them needs no more).
        """
        x0 = max(x0, int(np.floor(self.x(0))))
        x1 = min(x1, int(np.ceil(self.x(length))))
        n = len(values)
        if x1 <= x0 or n == 0 or length <= 0:
            return np.empty(0), np.empty(0)
        edges = np.arange(x0, x1 + 1, dtype=np.float64)
        index = np.floor((edges - self.left + self.offset) / self.scale * (n / length))
        index = np.clip(index, 0, n - 1).astype(np.int64)
        # Each column reduces samples [index[c], index[c + 1]); reduceat runs the last one
        # to the segment's end, so the segment stops at the right edge's sample.
        lo, hi = int(index[0]), max(int(index[-1]), int(index[-2]) + 1)
        if points and (hi - lo) * 2 < len(edges):
            hi = min(hi + 1, n)
            centres = (np.arange(lo, hi) + 0.5) * (length / n)
            return self.x(centres), np.asarray(values[lo:hi], dtype=np.float64)
        segment = np.asarray(values[lo:hi])
        starts = index[:-1] - lo
        finite = np.isfinite(segment)
        if mean:
            sums = np.add.reduceat(np.where(finite, segment, 0.0), starts)
            counts = np.add.reduceat(finite.astype(np.int64), starts)
            with np.errstate(invalid="ignore", divide="ignore"):
                reduced = sums / counts
        else:
            reduced = np.fmax.reduceat(segment, starts)
        return edges[:-1] + 0.5, reduced


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``(start, stop)`` of each run of True in ``mask``."""
    padded = np.concatenate(([False], mask, [False]))
    changes = np.flatnonzero(padded[1:] != padded[:-1])
    return list(zip(changes[::2].tolist(), changes[1::2].tolist()))
