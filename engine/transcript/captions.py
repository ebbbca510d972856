"""Captions from a transcript: SRT, WebVTT and plain text.

Usual subtitle conventions: a cue holds at most two lines of about 42 characters, lasts at
most about 7 seconds, and a new cue starts where the speaker pauses.
"""
from __future__ import annotations

from dataclasses import dataclass

from .result import Transcript, Word

LINE_CHARS = 42
MAX_LINES = 2
MAX_CUE_S = 7.0
PAUSE_S = 0.6  # a silence this long between words ends the cue


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    lines: tuple[str, ...]


def cues(transcript: Transcript, by_segment: bool = False) -> list[Cue]:
    """The transcript's words grouped into cues of at most two ~42-character lines; with
    `by_segment`, no cue spans two segments (a timeline's clips: no cue across a cut)."""
    out: list[Cue] = []
    group: list[Word] = []
    starts = {id(s.words[0]) for s in transcript.segments if s.words} if by_segment else set()
    for word in transcript.words:
        if not word.text:
            continue
        if group and (id(word) in starts or word.start - group[-1].end >= PAUSE_S
                      or word.end - group[0].start > MAX_CUE_S
                      or _lines([*group, word]) is None or group[-1].text[-1:] in ".?!"):
            out.append(_cue(group))
            group = []
        group.append(word)
    if group:
        out.append(_cue(group))
    return out


def _cue(words: list[Word]) -> Cue:
    lines = _lines(words)
    if lines is None:  # one word longer than two lines: keep it whole
        lines = (" ".join(w.text for w in words),)
    return Cue(words[0].start, words[-1].end, lines)


def _lines(words: list[Word]) -> tuple[str, ...] | None:
    """The words wrapped into at most two lines of LINE_CHARS, balanced; None if they don't fit."""
    texts = [w.text for w in words]
    whole = " ".join(texts)
    if len(whole) <= LINE_CHARS:
        return (whole,)
    best = None
    for cut in range(1, len(texts)):  # the most even break that fits
        a, b = " ".join(texts[:cut]), " ".join(texts[cut:])
        if len(a) <= LINE_CHARS and len(b) <= LINE_CHARS:
            score = abs(len(a) - len(b))
            if best is None or score < best[0]:
                best = (score, (a, b))
    return best[1] if best else None


def _stamp(seconds: float, separator: str) -> str:
    ms = max(0, round(seconds * 1000))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{separator}{ms:03d}"


def to_srt(transcript: Transcript, by_segment: bool = False) -> str:
    blocks = [f"{i}\n{_stamp(c.start, ',')} --> {_stamp(c.end, ',')}\n" + "\n".join(c.lines)
              for i, c in enumerate(cues(transcript, by_segment), 1)]
    return "\n\n".join(blocks) + ("\n" if blocks else "")


def to_vtt(transcript: Transcript) -> str:
    blocks = [f"{_stamp(c.start, '.')} --> {_stamp(c.end, '.')}\n" + "\n".join(c.lines)
              for c in cues(transcript)]
    return "WEBVTT\n\n" + "\n\n".join(blocks) + ("\n" if blocks else "")


def to_txt(transcript: Transcript) -> str:
    """One line per segment, prefixed with its start time."""
    return "".join(f"[{_stamp(s.start, '.')}] {s.text.strip()}\n" for s in transcript.segments)
