"""From per-frame network scores to typed transitions (cut, dissolve, fade)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .result import Transition


@dataclass(frozen=True)
class Thresholds:
    """Decision thresholds, tuned on the shared dev sequences (see benchmarks/shots.py).

    Attributes:
        cut: Single-frame head probability that makes a cut.
        span: Many-hot head probability that puts a frame inside a transition.
        gap: Frames below ``span`` that may split one transition (fades dip mid-way).
        longest_cut: Transition spans up to this many frames are cuts, longer ones gradual.
        black: Mean luma (0-255) under which a frame counts as black; black frames
            between two spans join them into one fade.
        flash_rise: Grey levels by which frames around a cut must outshine both sides
            before the cut is checked for being a flash.
        fade_dimming: A gradual transition is a fade when its darkest frame is darker
            than this share of the darker of the shots either side.
    """

    cut: float = 0.5
    span: float = 0.4
    gap: int = 3
    longest_cut: int = 3
    black: float = 20.0
    fade_dimming: float = 0.3
    flash_rise: float = 20.0


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Inclusive (first, last) index pairs of the True runs in a boolean array."""
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return list(zip(np.flatnonzero(edges == 1).tolist(), (np.flatnonzero(edges == -1) - 1).tolist()))


def find_transitions(single: np.ndarray, many: np.ndarray, luma: np.ndarray,
                     thumbs: np.ndarray | None = None,
                     thresholds: Thresholds = Thresholds()) -> list[Transition]:
    """Typed transitions from the two heads' per-frame scores.

    Args:
        single: Single-frame head, high on the last frame before a cut.
        many: Many-hot head, high on every frame of a transition.
        luma: Mean luma of each frame (0-255), to tell fades from dissolves.
        thumbs: (n, h, w) grey thumbnails, to recognise flashes; no check without.
        thresholds: Decision thresholds.
    """
    n = len(single)
    th = thresholds
    spans = _join_spans(runs(many > th.span), luma, th)
    found: list[Transition] = []
    inside = np.zeros(n + 1, bool)
    for first, last in spans:
        if last - first + 1 <= th.longest_cut:
            continue  # a cut's many-hot blip; the single-frame head places it below
        inside[first:last + 1] = True
        found.append(Transition(_gradual_type(luma, first, last, th), first, last))
    for first, last in runs(single > th.cut):
        # The head peaks on the last frame of the old shot: the cut is the frame after.
        peak = first + int(np.argmax(single[first:last + 1]))
        if inside[peak] or inside[peak + 1] or peak + 1 >= n:
            continue
        if thumbs is not None and _is_flash(peak + 1, luma, thumbs, th):
            continue
        found.append(Transition("cut", peak + 1, peak + 1))
    return sorted(found, key=lambda t: t.start_frame)


def _is_flash(cut: int, luma: np.ndarray, thumbs: np.ndarray, th: Thresholds) -> bool:
    """Whether a cut at ``cut`` is a flash: a few bright frames, then the same shot again.

    The network is mostly immune to flashes but not always (an overexposed pair of
    frames during fast motion fooled it). A flash of up to three frames, entered or left
    at the cut, lies strictly between frames ``cut - 4`` and ``cut + 3``: those two
    must show the same picture, much closer to each other than to the flash.
    """
    before, after = max(cut - 4, 0), min(cut + 3, len(luma) - 1)
    if after - before < 2:
        return False
    rise = luma[before + 1:after].max() - max(luma[before], luma[after])
    if rise < th.flash_rise:
        return False  # no brightness spike: a jump cut between look-alike shots stays a cut
    first = thumbs[before].astype(np.float32)
    across = np.abs(thumbs[after] - first).mean()
    to_flash = max(np.abs(thumbs[k] - first).mean() for k in range(before + 1, after))
    return bool(across < 0.5 * to_flash)


def _join_spans(spans: list[tuple[int, int]], luma: np.ndarray, th: Thresholds) -> list[tuple[int, int]]:
    """Merges spans split by a short dip or by black frames (the middle of a fade).

    Two cut-sized blips are never merged: they are two cuts around a very short shot.
    """
    joined: list[tuple[int, int]] = []
    for first, last in spans:
        if joined:
            prev_first, prev_last = joined[-1]
            gap = first - prev_last - 1
            both_short = max(prev_last - prev_first, last - first) + 1 <= th.longest_cut
            if not both_short and (gap <= th.gap or luma[prev_last + 1:first].max() < th.black):
                joined[-1] = (prev_first, last)
                continue
        joined.append((first, last))
    return joined


def _gradual_type(luma: np.ndarray, first: int, last: int, th: Thresholds) -> str:
    """Fade if the picture dims toward black between the shots, dissolve otherwise."""
    before = luma[max(first - 1, 0)]
    after = luma[min(last + 1, len(luma) - 1)]
    darkest = luma[first:last + 1].min()
    # +1 so that a fade between two near-black shots is still told by reaching black.
    return "fade" if darkest < th.fade_dimming * min(before, after) + 1 else "dissolve"
