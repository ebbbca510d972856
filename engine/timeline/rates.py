"""Exact frame rates, frame counts and SMPTE timecode (drop-frame included).

OpenTimelineIO stores rates as floats, so 23.976 arrives as 23.976023976023978 and
sometimes as 23.976 or 23.98. Every writer goes through :func:`exact_rate` so that
NTSC rates become ``24000/1001`` and friends exactly, in one place.
"""
from __future__ import annotations

import functools
from fractions import Fraction

import opentimelineio as otio

# Nominal integer rates whose NTSC variants (n * 1000/1001) exist in practice.
_NTSC_BASES = (24, 30, 48, 60, 120)
# A float within this distance of an NTSC or integer rate is taken to mean it:
# 23.98 and 29.97 are common spellings in files and UIs.
_SNAP = 0.011

RateLike = float | int | Fraction | str


# Readers ask for the same few rates once per event or clip (an EDL of 2,000 events
# asked 12,000 times, 2 s of Fraction arithmetic): remember the answers.
@functools.lru_cache(maxsize=256, typed=True)
def exact_rate(rate: RateLike) -> Fraction:
    """The exact rate a float (or ``"24000/1001"`` string) stands for.

    Raises:
        ValueError: If the rate is not positive.
    """
    value = Fraction(rate) if isinstance(rate, str) else Fraction(rate).limit_denominator(1_000_000)
    if value <= 0:
        raise ValueError(f"frame rate must be positive, not {rate!r}")
    for base in _NTSC_BASES:
        ntsc = Fraction(base * 1000, 1001)
        if abs(value - ntsc) < _SNAP and value != base:
            return ntsc
    nearest = round(value)
    if nearest and abs(value - nearest) < _SNAP:
        return Fraction(nearest)
    return value.limit_denominator(1001)


# The rates NLEs offer for sequences: a timeline at any other rate (a VFR clip's mean,
# 29.83 from a phone) is refused or drifts in Premiere, Resolve and Final Cut.
NLE_RATES = tuple(sorted(
    [Fraction(n) for n in (24, 25, 30, 48, 50, 60, 120)]
    + [Fraction(n * 1000, 1001) for n in (24, 30, 48, 60, 120)]))


def nle_rate(rate: RateLike) -> Fraction:
    """The NLE sequence rate nearest to ``rate`` (relative distance; 29.83 gives 29.97)."""
    exact = exact_rate(rate)
    return min(NLE_RATES, key=lambda r: abs(exact / r - 1))


def is_nle_rate(rate: RateLike) -> bool:
    return exact_rate(rate) in NLE_RATES


def is_ntsc(rate: RateLike) -> bool:
    """Whether the rate is an n*1000/1001 rate."""
    return exact_rate(rate).denominator == 1001


def timebase(rate: RateLike) -> tuple[int, bool]:
    """xmeml's ``(timebase, ntsc)`` for a rate: 23.976 is ``(24, True)``."""
    exact = exact_rate(rate)
    if exact.denominator == 1001:
        return exact.numerator // 1000, True
    return round(exact), False


def from_timebase(base: int | float, ntsc: bool) -> Fraction:
    """Inverse of :func:`timebase`."""
    base = Fraction(base).limit_denominator(1000)
    return base * Fraction(1000, 1001) if ntsc else base


def frame_duration(rate: RateLike) -> Fraction:
    """Seconds per frame, exactly (FCPXML's ``frameDuration``)."""
    return 1 / exact_rate(rate)


def supports_drop_frame(rate: RateLike) -> bool:
    """Drop-frame timecode exists only for 29.97 and 59.94."""
    return exact_rate(rate) in (Fraction(30000, 1001), Fraction(60000, 1001))


def frames(time: otio.opentime.RationalTime, rate: RateLike) -> int:
    """A RationalTime as a whole frame count at ``rate`` (nearest frame).

    The time's own float rate is snapped with :func:`exact_rate` first, so a value
    stored at 23.976023976 converts to 24000/1001 without drift on long timelines.
    """
    seconds = Fraction(time.value).limit_denominator(1_000_000) / exact_rate(time.rate)
    return round(seconds * exact_rate(rate))


def rational(count: int | Fraction, rate: RateLike) -> otio.opentime.RationalTime:
    """``count`` frames at ``rate`` as a RationalTime (rate stored as OTIO's float)."""
    return otio.opentime.RationalTime(float(count), float(exact_rate(rate)))


def time_range(start: int, duration: int, rate: RateLike) -> otio.opentime.TimeRange:
    """A TimeRange of whole frames."""
    return otio.opentime.TimeRange(rational(start, rate), rational(duration, rate))


def rate_string(rate: RateLike) -> str:
    """``"24000/1001"`` or ``"25"``: how rates are written in JSON and reports."""
    exact = exact_rate(rate)
    return str(exact.numerator) if exact.denominator == 1 else f"{exact.numerator}/{exact.denominator}"


# -- timecode ---------------------------------------------------------------------------

def _drop_per_minute(rate: Fraction) -> int:
    return 2 * round(rate / 30)  # 2 labels at 29.97, 4 at 59.94


def to_timecode(frame: int, rate: RateLike, drop_frame: bool = False) -> str:
    """SMPTE timecode of a frame number; drop-frame uses ``;`` before the frames.

    Raises:
        ValueError: If drop-frame is asked for a rate without it, or frame < 0.
    """
    exact = exact_rate(rate)
    if frame < 0:
        raise ValueError(f"negative frame {frame} has no timecode")
    fps = round(exact)
    if drop_frame:
        if not supports_drop_frame(exact):
            raise ValueError(f"drop-frame timecode does not exist at {float(exact):.3f} fps")
        drop = _drop_per_minute(exact)
        per_minute = fps * 60 - drop
        per_ten = per_minute * 10 + drop
        tens, rest = divmod(frame, per_ten)
        # The first minute of each ten keeps all its labels.
        extra = drop * 9 * tens + (drop * ((rest - drop) // per_minute) if rest >= drop else 0)
        frame = frame + extra
    hours, rest = divmod(frame, fps * 3600)
    minutes, rest = divmod(rest, fps * 60)
    seconds, frames_ = divmod(rest, fps)
    sep = ";" if drop_frame else ":"
    return f"{hours % 24:02d}:{minutes:02d}:{seconds:02d}{sep}{frames_:02d}"


def from_timecode(text: str, rate: RateLike, drop_frame: bool | None = None) -> int:
    """Frame number of a timecode; ``;`` or ``.`` before the frames means drop-frame.

    Raises:
        ValueError: If the text is not ``HH:MM:SS:FF`` or the fields are out of range.
    """
    exact = exact_rate(rate)
    fps = round(exact)
    cleaned = text.strip()
    parts = cleaned.replace(";", ":").replace(".", ":").split(":")
    if len(parts) != 4 or not all(p.isdigit() for p in parts):
        raise ValueError(f"not a timecode: {text!r}")
    hours, minutes, seconds, frame = (int(p) for p in parts)
    if minutes > 59 or seconds > 59 or frame >= fps:
        raise ValueError(f"timecode {text!r} is out of range at {float(exact):.3f} fps")
    if drop_frame is None:
        drop_frame = (";" in cleaned or "." in cleaned) and supports_drop_frame(exact)
    total = ((hours * 60 + minutes) * 60 + seconds) * fps + frame
    if drop_frame:
        total_minutes = hours * 60 + minutes
        total -= _drop_per_minute(exact) * (total_minutes - total_minutes // 10)
    return total
