"""Where the ruler puts its ticks and timecode labels (Qt-free, so it is tested alone)."""
from __future__ import annotations

from fractions import Fraction
from typing import NamedTuple

from engine.timeline.rates import exact_rate, supports_drop_frame

# Label steps an editor reads at a glance: frames, then whole seconds and minutes.
_SECOND_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)
_FRAME_STEPS = (1, 2, 5, 10)


class Tick(NamedTuple):
    frame: int
    major: bool  # majors carry a timecode label


def label_step(rate: Fraction, pixels_per_frame: float, min_label_px: float) -> int:
    """The smallest pleasant step, in timecode label counts, whose labels do not collide."""
    fps = round(exact_rate(rate))
    candidates = [s for s in _FRAME_STEPS if s < fps] + [s * fps for s in _SECOND_STEPS]
    for step in candidates:
        if step * pixels_per_frame >= min_label_px:
            return step
    return candidates[-1]


def _minor_count(step: int, fps: int) -> int:
    # Five subdivisions read well unless a second is split into uneven frames.
    if step < fps:
        return step if step <= 5 else 5 if step % 5 == 0 else 2
    seconds = step // fps
    return 5 if seconds in (1, 5, 10, 60, 300, 600, 3600) else 3 if seconds in (15, 900) \
        else 2 if seconds in (2, 30, 120, 1800) else 4


def _to_frame(count: int, fps: int, drop: int) -> int:
    """Frame of a drop-frame label count (labels ;00 and ;01 of most minutes do not exist)."""
    minutes = count // (fps * 60)
    frame = count - drop * (minutes - minutes // 10)
    if minutes % 10 and count % (fps * 60) < drop:
        # A dropped label: the minute's first real frame is the one labelled ;02.
        frame += drop - count % (fps * 60)
    return frame


def ticks(first: float, last: float, rate: Fraction, pixels_per_frame: float,
          min_label_px: float = 96) -> list[Tick]:
    """Major and minor ticks for frames ``[first, last]``, majors on round timecode.

    At 29.97/59.94 the steps count drop-frame labels, so majors fall on ``00:01:00;02``
    and ``00:10:00;00`` as in an NLE's ruler rather than drifting off the minute.
    """
    exact = exact_rate(rate)
    fps = round(exact)
    drop = 2 * round(exact / 30) if supports_drop_frame(exact) else 0
    step = label_step(exact, pixels_per_frame, min_label_px)
    minors = _minor_count(step, fps)
    sub = step / minors
    # Drop-frame labels run ahead of frames by < 0.1 %; widen the window to cover it.
    lo = max(int(first * 1.001) - step, 0)
    hi = int(last * 1.002) + step
    result = []
    count = (lo // step) * step
    while count <= hi:
        for k in range(minors):
            label = count + round(k * sub)
            frame = _to_frame(label, fps, drop) if drop else label
            if first <= frame <= last:
                result.append(Tick(frame, k == 0))
        count += step
    return result
