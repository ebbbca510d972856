"""Where the sound cuts: dialogue-safe audio edits for a proposal's picture cuts.

An editor never cuts sound inside a word. At each picture cut the outgoing and incoming
sound may end and start a little later (an L-cut: the sound trails its picture) or
earlier (a J-cut: the sound leads its picture), so that the audio edit falls where
both sources are silent. Every piece of sound keeps its picture's source offset, so
lips stay in sync. When no shift within ``MAX_SHIFT_S`` finds a pause on both sides,
each side is cut at its own nearest pause and the few frames between are left
silent; a sound whose whole reach lies inside one line is left out (silence is better
than half a word). Every audio edit gets a short crossfade so nothing clicks.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

MAX_SHIFT_S = 2.0
CROSSFADE_S = 0.04  # 40 ms: long enough not to click, short enough not to smear a consonant


@dataclass
class AudioPiece:
    """The sound of one cut on A1 (record frames at the timeline's rate).

    ``source_start`` is in the shot's source frames and keeps the picture's offset:
    ``source_start - cut.source_start == (record_start - cut.record_start) * ratio``.
    """

    cut: int
    record_start: int
    record_frames: int
    source_start: int
    source_frames: int
    fade_in: int
    fade_out: int


@dataclass
class AudioEdit:
    """One audio edit: between the sound of cut ``after`` and of cut ``after + 1``
    (``after`` is -1 for the head of the edit and the last cut for its tail)."""

    after: int
    picture_at: int
    out_at: int  # where the earlier sound ends (record frame, exclusive)
    in_at: int  # where the later sound starts
    kind: str  # "straight", "L-cut", "J-cut", "pause", "inside speech"
    reason: str


def _ratio(cut, rate: Fraction) -> float:
    return float(cut.shot.rate) / float(rate)


def _source_at(cut, record: int, rate: Fraction) -> int:
    """The source frame of ``cut`` playing at timeline frame ``record`` (its picture's offset)."""
    return cut.source_start + round((record - cut.record_start) * _ratio(cut, rate))


def _splits_speech(shot, frame: int) -> bool:
    """Whether an edit just before source ``frame`` falls inside a line of ``shot``."""
    if not shot.has_audio:
        return False
    return any(a < frame <= b for a, b in shot.speech)


def _source_bounds(shot) -> tuple[int, int]:
    """Source frames the sound may use: the whole file when its length is known."""
    count = shot.extra.get("frame_count") if shot.extra else None
    return (0, int(count)) if count else (shot.start_frame, shot.end_frame + 1)


def _out_ok(cut, e: int, rate: Fraction) -> bool:
    f = _source_at(cut, e, rate)
    lo, hi = _source_bounds(cut.shot)
    return lo < f <= hi and not _splits_speech(cut.shot, f)


def _in_ok(cut, e: int, rate: Fraction) -> bool:
    f = _source_at(cut, e, rate)
    lo, hi = _source_bounds(cut.shot)
    return lo <= f < hi and not _splits_speech(cut.shot, f)


def timecode(frame: int, rate: Fraction) -> str:
    fps = max(1, round(float(rate)))
    s, f = divmod(frame, fps)
    m, s = divmod(s, 60)
    h, m = divmod(m, 60)
    return f"{h:02d}:{m:02d}:{s:02d}:{f:02d}"


def plan_audio(cuts: Sequence, rate: Fraction) -> tuple[list[AudioPiece], list[AudioEdit]]:
    """The A1 pieces and the audio edits for ``cuts`` (laid end to end from frame 0)."""
    rate = Fraction(rate)
    if not cuts:
        return [], []
    shift = max(1, round(MAX_SHIFT_S * float(rate)))
    fade = max(1, round(CROSSFADE_S * float(rate)))
    edits: list[AudioEdit] = []
    # Head: the first sound starts at the first pause at or after the edit's start (or,
    # when its whole picture lies inside a line, the cut plays without its sound).
    first = cuts[0]
    start = next((e for e in range(0, first.record_frames) if _in_ok(first, e, rate)), first.record_frames)
    edits.append(AudioEdit(-1, 0, 0, start, "straight" if start == 0 else "pause",
                           "" if start == 0 else f"sound starts {start} frames in, after the line under the head"))
    floor = start
    # Whether the current cut's sound has started (at a pause); if not, it has nothing to end.
    sounding = start < first.record_frames
    for i in range(1, len(cuts)):
        prev, cur = cuts[i - 1], cuts[i]
        r = cur.record_start
        end_cur = cur.record_start + cur.record_frames
        window = sorted(range(max(floor + 1, r - shift), min(end_cur - 1, r + shift) + 1),
                        key=lambda e: (abs(e - r), e < r))
        both = next((e for e in window if (not sounding or _out_ok(prev, e, rate)) and _in_ok(cur, e, rate)), None)
        tc = timecode(r, rate)
        if both is not None:
            d = both - r
            if d == 0:
                kind, reason = "straight", f"sound cuts with the picture at {tc}, in a pause"
            elif d > 0:
                kind, reason = "L-cut", (f"L-cut at {tc}: the sound of cut {i} runs {d} frames past the "
                                         "picture to finish the line")
            else:
                kind, reason = "J-cut", (f"J-cut at {tc}: the sound of cut {i + 1} starts {-d} frames before "
                                         "its picture, in the pause before its line")
            if not sounding:
                kind, reason = "pause", f"at {tc} the sound of cut {i + 1} starts in the pause before its line"
                edits.append(AudioEdit(i - 1, r, floor, both, kind, reason))
            else:
                edits.append(AudioEdit(i - 1, r, both, both, kind, reason))
            floor, sounding = both, True
            continue
        # No common pause: each sound cuts in its own pause, silence between. A sound
        # with no pause in reach is left out rather than cut inside a word.
        outs = [e for e in range(max(floor + 1, r - shift), min(end_cur - 1, r + shift) + 1)
                if _out_ok(prev, e, rate)] if sounding else []
        out_at = min(outs, key=lambda e: (abs(e - r), e < r)) if outs else floor
        ins = [e for e in range(max(out_at, r - shift), end_cur) if _in_ok(cur, e, rate)]
        in_at = min(ins, key=lambda e: abs(e - r)) if ins else end_cur
        lost = ([f"cut {i}"] if sounding and not outs else []) + ([f"cut {i + 1}"] if not ins else [])
        reason = f"at {tc} each sound cuts in its own pause ({in_at - out_at} silent frames between)"
        if lost:
            reason += f"; the sound of {' and '.join(lost)} lies inside a line and is left out there"
        edits.append(AudioEdit(i - 1, r, out_at, in_at, "pause", reason))
        floor, sounding = in_at, bool(ins)
    # Tail: the last sound ends at the last pause before the edit's end.
    last = cuts[-1]
    end = last.record_start + last.record_frames
    stop = next((e for e in range(end, floor, -1) if _out_ok(last, e, rate)), floor) if sounding else floor
    edits.append(AudioEdit(len(cuts) - 1, end, stop, end, "straight" if stop == end else "pause",
                           "" if stop == end else f"sound ends {end - stop} frames early, before a line "
                                                  "the edit's end would cut"))
    pieces = []
    for i, cut in enumerate(cuts):
        a, b = edits[i].in_at, edits[i + 1].out_at
        if b <= a or not cut.shot.has_audio:
            continue
        src = _source_at(cut, a, rate)
        # both ends where the edit search checked them (rounding a length instead can
        # land the out-point a frame off, inside the line it was placed to miss)
        pieces.append(AudioPiece(i, a, b - a, src, max(1, _source_at(cut, b, rate) - src),
                                 fade if i > 0 or a > 0 else 0, fade if i < len(cuts) - 1 or b < end else 0))
    return pieces, edits


def edits_inside_speech(cuts: Sequence, pieces: Sequence[AudioPiece], rate: Fraction) -> tuple[int, int]:
    """(audio edit points inside speech, all audio edit points) of A1: every piece's
    start and end, checked against its own source's speech."""
    inside = total = 0
    for p in pieces:
        cut = cuts[p.cut]
        for f in (p.source_start, p.source_start + p.source_frames):
            total += 1
            inside += _splits_speech(cut.shot, f)
    return inside, total


def picture_edits_inside_speech(cuts: Sequence) -> tuple[int, int]:
    """The same count when A1 simply follows V1 (every sound cut with its picture)."""
    inside = total = 0
    for cut in cuts:
        if not cut.shot.has_audio:
            continue
        for f in (cut.source_start, cut.source_end + 1):
            total += 1
            inside += _splits_speech(cut.shot, f)
    return inside, total
