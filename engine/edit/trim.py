"""Trimming: where inside a shot a range of a given length reads best.

Only a handful of in-points are worth trying: the usable head and tail, the middle,
and the in-points that put the cut on a motion peak or on a line's start or end.
Trying those instead of every offset keeps a trim at a few microseconds per shot.
"""
from __future__ import annotations

from dataclasses import dataclass

from engine.edit.inputs import AnalysedShot

# What each good property of a range is worth; a range scores 0..1.
_OUT_ON_ACTION = 0.35
_IN_ON_ACTION = 0.15
_HOLDS_FACES = 0.25
_WHOLE_LINE = 0.15
_CLEAR_OF_EDGES = 0.10
_PEAK_SLACK = 1  # frames: a peak is a burst, a frame either side still cuts on it
_MAX_POINTS = 16  # peaks or lines tried per shot: beyond that the shot is all action anyway
# A picture cut inside a line is allowed only when no range avoids one: its sound is then
# moved to a pause by a split edit (engine.edit.audio_edits), which is worth less.
_SPLIT_PENALTY = 0.2


@dataclass(frozen=True)
class Trim:
    """A range of a shot, source frames inclusive, and why it starts and ends there."""

    start: int
    end: int
    score: float
    reason_in: str
    reason_out: str

    @property
    def frames(self) -> int:
        return self.end - self.start + 1


def cuts_inside_speech(shot: AnalysedShot, start: int, end: int) -> bool:
    """Whether an in-point at ``start`` or an out-point after ``end`` splits a line."""
    for a, b in shot.speech:
        if a < start <= b or a <= end < b:
            return True
    return False


def best_trim(shot: AnalysedShot, length: int) -> Trim | None:
    """The best ``length``-frame range of ``shot``, or None if none is allowed.

    A range must avoid transition frames. Ranges whose picture cuts fall in pauses come
    first; when every range of this length cuts inside a line (continuous dialogue or
    narration), the best of those is returned, marked for a split edit.
    """
    usable = shot.usable()
    if usable is None or length < 1 or usable[1] - usable[0] + 1 < length:
        return None
    first, last_start = usable[0], usable[1] - length + 1
    peaks = shot.motion_peaks[:_MAX_POINTS]
    starts = {first, last_start, (first + last_start) // 2}
    for p in peaks:
        starts.update((p - length + 1, p - length + 2, p, p + 1))
    for a, b in shot.speech[:_MAX_POINTS]:
        starts.update((a, b - length + 1, b + 1, a - length))
    best = split = None
    for s in starts:
        if s < first or s > last_start:
            continue
        e = s + length - 1
        trim = _score(shot, s, e, usable, peaks)
        if cuts_inside_speech(shot, s, e):
            if split is None or trim.score > split.score or (trim.score == split.score and trim.start < split.start):
                split = trim
            continue
        if best is None or trim.score > best.score or (trim.score == best.score and trim.start < best.start):
            best = trim
    if best is None and split is not None:
        best = Trim(split.start, split.end, max(0.0, split.score - _SPLIT_PENALTY),
                    split.reason_in, f"{split.reason_out} (picture cuts inside a line)")
    return best


def _score(shot: AnalysedShot, s: int, e: int, usable: tuple[int, int], peaks: list[int]) -> Trim:
    score = 0.0
    reason_in, reason_out = "", ""
    if any(abs(e - p) <= _PEAK_SLACK for p in peaks):
        score += _OUT_ON_ACTION
        reason_out = f"cut on action (motion peak at {e})"
    if any(abs(s - p) <= _PEAK_SLACK for p in peaks):
        score += _IN_ON_ACTION
        reason_in = f"enters on action (motion peak at {s})"
    if shot.face_frames:
        held = sum(1 for f in shot.face_frames if s <= f <= e) / len(shot.face_frames)
        score += _HOLDS_FACES * held
        if held >= 0.5 and not reason_out:
            reason_out = "holds on the face"
    lines = [(a, b) for a, b in shot.speech if s <= a and b <= e]
    if lines:
        score += _WHOLE_LINE
        reason_in = reason_in or ("starts on the line" if any(a == s for a, _ in lines) else "")
        reason_out = reason_out or ("ends with the line" if any(b == e for _, b in lines) else "keeps the line whole")
    # Heads and tails of shots carry slates, camera settling and dissolve remnants.
    margin = max(1, round(0.2 * float(shot.rate)))
    if s - usable[0] >= margin and usable[1] - e >= margin:
        score += _CLEAR_OF_EDGES
    if not reason_in:
        reason_in = "after the transition" if usable[0] != shot.start_frame and s == usable[0] else (
            "head of the shot" if s == usable[0] else "in where the shot has settled")
    if not reason_out:
        reason_out = "before the transition" if usable[1] != shot.end_frame and e == usable[1] else (
            "tail of the shot" if e == usable[1] else "out at the length the pace asks")
    return Trim(s, e, score, reason_in, reason_out)
