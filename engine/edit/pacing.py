"""Pacing: how long each shot of the edit lasts, as a grid of cut points.

The proposer fills a grid of slots rather than searching over lengths: the grid fixes
the duration (exactly, or to the beat nearest it) and puts every cut where the pacing
wants it, so the search only has to choose and trim shots. Intense stretches of the
arc cut faster, the way trailers and action scenes do.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from engine.edit.arcs import Arc


@dataclass(frozen=True)
class Pacing:
    """How fast to cut.

    Attributes:
        avg_shot_s: Average shot length asked for (seconds). With music and no explicit
            length, ``beats_per_cut`` decides instead.
        follow_arc: 0: every shot the same length; 1: shots at the arc's peak last half
            the average and at its lowest one and a half times it.
        min_shot_s: Shortest readable shot.
        beats_per_cut: With music: beats per shot at the arc's middle level.
    """

    avg_shot_s: float | None = 2.5
    follow_arc: float = 0.6
    min_shot_s: float = 0.75
    beats_per_cut: float = 2.0

    def desired_frames(self, level: float, rate: Fraction, scale: float = 1.0) -> float:
        """Length the pacing wants at arc ``level`` (0..1), in frames."""
        avg = self.avg_shot_s if self.avg_shot_s else 2.5
        return float(avg * scale * (1 + self.follow_arc * (0.5 - level)) * rate)


@dataclass(frozen=True)
class Slot:
    """One place in the edit to fill: timeline frames ``[start, start + frames)``."""

    start: int
    frames: int
    t: float  # position of the slot's middle, 0..1 of the edit


def free_grid(target_frames: int, rate: Fraction, arc: Arc, pacing: Pacing,
              scale: float = 1.0, band: tuple[int, int] | None = None) -> list[Slot]:
    """Slots without music: lengths follow the arc, total exactly ``target_frames``.

    ``band`` (shortest, longest) bounds slot lengths to what the footage can fill
    (see :func:`length_band`).
    """
    min_len = max(1, round(pacing.min_shot_s * rate))
    floor, cap = (max(min_len, band[0]), max(min_len, band[1])) if band else (min_len, None)
    lengths: list[int] = []
    pos = 0
    while pos < target_frames:
        level = float(arc.level((pos + 0.5 * pacing.desired_frames(0.5, rate, scale)) / target_frames))
        length = max(floor, round(pacing.desired_frames(level, rate, scale)))
        if cap:
            length = min(length, cap)
        if target_frames - pos - length < min_len:
            length = target_frames - pos  # the rest: too short to stand alone
            if length < min_len and lengths:
                lengths[-1] += length
                break
        lengths.append(length)
        pos += length
    return _slots(lengths, target_frames)


def beat_grid(target_frames: int, rate: Fraction, arc: Arc, pacing: Pacing, beats: np.ndarray,
              scale: float = 1.0, band: tuple[int, int] | None = None) -> list[Slot]:
    """Slots whose every cut is one of ``beats`` (timeline frames, ascending).

    The edit ends on the beat nearest ``target_frames``; each cut goes to the beat
    nearest the length the arc wants, never closer than the minimum readable length.
    """
    beats = np.unique(np.asarray(beats, int))
    beats = beats[beats > 0]
    if len(beats) < 2:
        return free_grid(target_frames, rate, arc, pacing, scale, band)
    period = float(np.median(np.diff(beats)))
    if beats[-1] < target_frames + period:  # music shorter than the edit: keep its tempo
        extra = beats[-1] + period * np.arange(1, int((target_frames - beats[-1]) / period) + 3)
        beats = np.concatenate([beats, np.round(extra).astype(int)])
    end = int(beats[np.argmin(np.abs(beats - target_frames))])
    beats = beats[beats <= end]
    min_len = max(1, round(pacing.min_shot_s * rate))
    avg_frames = (pacing.avg_shot_s * float(rate)) if pacing.avg_shot_s else pacing.beats_per_cut * period
    cuts, pos = [], 0
    while pos < end:
        level = float(arc.level(min(1.0, (pos + avg_frames / 2) / end)))
        want = pos + avg_frames * scale * (1 + pacing.follow_arc * (0.5 - level))
        allowed = beats[(beats >= pos + min_len) & (beats > pos)]
        if band is not None:
            inside = allowed[(allowed >= pos + band[0]) & (allowed <= pos + max(band[1], min_len))]
            allowed = inside if len(inside) else allowed
        if len(allowed) == 0:
            break
        nxt = int(allowed[np.argmin(np.abs(allowed - want))])
        if end - nxt < min_len:
            nxt = end
        cuts.append(nxt)
        pos = nxt
    if not cuts:
        return [Slot(0, end, 0.5)]
    if cuts[-1] != end:  # the last beat was too close: stretch the final shot to it
        cuts[-1] = end
    lengths = np.diff([0, *cuts]).tolist()
    return _slots(lengths, end)


def _slots(lengths: list[int], total: int) -> list[Slot]:
    slots, pos = [], 0
    for length in lengths:
        slots.append(Slot(pos, int(length), (pos + length / 2) / max(1, total)))
        pos += length
    return slots


def length_band(usable_frames: np.ndarray, target_frames: int, min_frames: int) -> tuple[int, int]:
    """Slot lengths (shortest, longest) the footage can fill, in timeline frames.

    A length L can be filled when at least target/L shots last L or more; asking
    for half as many again leaves the search a choice. When no length qualifies (little
    footage), the length that covers the most of the target wins.
    """
    u = np.sort(np.asarray(usable_frames, float)[np.asarray(usable_frames) >= min_frames])[::-1]
    if len(u) == 0:
        return min_frames, min_frames
    coverage = np.arange(1, len(u) + 1) * u / target_frames  # using the i+1 longest shots at length u[i]
    for need in (1.5, 1.0):
        ok = np.flatnonzero(coverage >= need)
        if len(ok):
            return int(u[ok[-1]]), int(u[ok[0]])
    best = int(u[int(np.argmax(coverage))])
    return best, best
