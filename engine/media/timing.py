"""Frame rate, variable-frame-rate detection and start timecode of a video stream."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from fractions import Fraction

import numpy as np

# NTSC-family rates that containers often store rounded (2997/100, 23976/1000, ...):
# editors and NLEs need the exact value or timecode drifts.
_NTSC = tuple(Fraction(n * 1000, 1001) for n in (24, 30, 48, 60, 120))
_TIMECODE = re.compile(r"^\d{2}:\d{2}:\d{2}[:;.]\d{2,3}$")


def is_variable(deltas: np.ndarray) -> bool:
    """True when frame spacing varies beyond timestamp rounding.

    Args:
        deltas: Ticks between consecutive frames in presentation order.
    """
    if len(deltas) < 2:
        return False
    typical = float(np.median(deltas))
    # One tick covers millisecond rounding (Matroska stores 29.97 fps as 33/34 ms steps).
    tolerance = max(1.0, 0.02 * typical)
    return bool(np.any(np.abs(deltas - typical) > tolerance))


def frame_rate(
    candidates: Iterable[Fraction | None], measured: Fraction | None, variable: bool
) -> Fraction:
    """The exact nominal frame rate.

    Args:
        candidates: Rates the container/codec declare, most trusted first
            (for a variable stream, the average rate should come first).
        measured: Frames per second from the packet timestamps (mean spacing), if any.
        variable: Whether the spacing varies; then the first declared rate is the mean.

    Returns:
        A rate such as 24000/1001, 25 or 179/6; 0 when nothing at all is known.
    """
    declared = [Fraction(c) for c in candidates if c]
    if variable or measured is None:
        chosen = declared[0] if declared else (measured or Fraction(0))
    else:
        # Declared rates can be wrong (a stray time base); trust one only when the
        # timestamps agree with it to 0.5 %.
        agreeing = [c for c in declared if abs(c - measured) <= measured / 200]
        chosen = agreeing[0] if agreeing else measured.limit_denominator(1001)
    return _snap_ntsc(chosen)


def _snap_ntsc(rate: Fraction) -> Fraction:
    for exact in _NTSC:
        if rate != exact and abs(rate - exact) <= exact / 10_000:
            return exact
    return rate


def start_timecode(*tag_sets: Mapping[str, str]) -> str | None:
    """The first well-formed ``timecode`` tag, e.g. ``01:00:00;00`` (';' = drop-frame).

    Args:
        tag_sets: Metadata dictionaries in order of trust: the tmcd track, the video
            stream, the container.
    """
    for tags in tag_sets:
        value = (tags.get("timecode") or "").strip()
        if _TIMECODE.match(value):
            return value
    return None
