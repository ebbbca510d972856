"""Speech ranges from a transcript's words: where an audio edit may not fall.

Voice activity marks phrases where the sound is voiced; a transcript knows which words are
said and about where each begins and ends. A cut goes where both agree there is no speech:
the speech ranges are every word's frames (words closer than `MIN_GAP_S` joined, as no safe
place to cut) together with the voice-activity ranges. Neither alone is enough, measured on
espeak dialogue: tiny.en's word edges can be a few tenths of a second off after a comma
(it put "and" at 2.98 s where it sounds from 2.65 s), and it leaves hesitations out of its
text; voice activity misses a soft word edge the words still cover.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

from .result import Transcript, Word

MIN_GAP_S = 0.1
FrameRange = tuple[int, int]


def word_ranges(words: Sequence[Word], fps: Fraction | float, frame_count: int,
                min_gap: float = MIN_GAP_S) -> list[FrameRange]:
    """Inclusive frame ranges covering every word (every frame its sound overlaps)."""
    rate = float(fps)
    spans: list[list[float]] = []
    for word in sorted(words, key=lambda w: w.start):
        if spans and word.start - spans[-1][1] < min_gap:
            spans[-1][1] = max(spans[-1][1], word.end)
        else:
            spans.append([word.start, word.end])
    out: list[FrameRange] = []
    for start, end in spans:
        first = max(0, math.floor(start * rate + 1e-6))
        last = min(frame_count - 1, math.ceil(end * rate - 1e-6) - 1)
        if last < first:
            last = first
        if out and first <= out[-1][1] + 1:  # ranges that touch leave no frame to cut on
            out[-1] = (out[-1][0], max(out[-1][1], last))
        else:
            out.append((first, last))
    return out


def speech_from_words(transcript: Transcript, fps: Fraction | float, frame_count: int,
                      voice: Sequence[FrameRange] = ()) -> list[FrameRange]:
    """The transcript's word ranges joined with the `voice` ranges (voice activity)."""
    ranges = word_ranges(transcript.words, fps, frame_count)
    merged: list[FrameRange] = []
    for first, last in sorted([*ranges, *(tuple(v) for v in voice)]):
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged
