"""Script to takes: which takes say a screenplay's line, found by aligning the line's words
with each take's transcript (a local word alignment, so a take with extra talk around the
line still matches, and a fluffed word costs a little, not everything)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .result import Transcript, Word

MATCH, MISMATCH, GAP = 2.0, -1.0, -1.0
_WORD = re.compile(r"[a-z0-9']+")


def words_of(text: str) -> list[str]:
    """Lower-case words without punctuation: how line and transcript are compared."""
    return [w.strip("'") for w in _WORD.findall(text.lower().replace("’", "'")) if w.strip("'")]


@dataclass(frozen=True)
class Match:
    file: str
    start: float  # seconds in the take
    end: float
    score: float  # 0..1: 1 is every word of the line, in order, with nothing between
    said: str  # the take's words over that range


def best_match(line: str, transcript: Transcript) -> Match | None:
    """Where in `transcript` `line` is said best, or None when no word of it is."""
    wanted = words_of(line)
    heard: list[tuple[str, Word]] = [(w, word) for word in transcript.words for w in words_of(word.word)]
    if not wanted or not heard:
        return None
    n, m = len(wanted), len(heard)
    # Smith-Waterman over words; `score[i][j]` ends at wanted[i-1], heard[j-1].
    score = [[0.0] * (m + 1) for _ in range(n + 1)]
    best, best_at = 0.0, (0, 0)
    for i in range(1, n + 1):
        row, above = score[i], score[i - 1]
        for j in range(1, m + 1):
            diagonal = above[j - 1] + (MATCH if wanted[i - 1] == heard[j - 1][0] else MISMATCH)
            value = max(0.0, diagonal, above[j] + GAP, row[j - 1] + GAP)
            row[j] = value
            if value > best:
                best, best_at = value, (i, j)
    if best <= 0:
        return None
    # Trace back to where the alignment starts, counting exact word matches.
    i, j = best_at
    matched, first_j = 0, j
    while i > 0 and j > 0 and score[i][j] > 0:
        same = wanted[i - 1] == heard[j - 1][0]
        if score[i][j] == score[i - 1][j - 1] + (MATCH if same else MISMATCH):
            matched += same
            first_j = j
            i, j = i - 1, j - 1
        elif score[i][j] == score[i - 1][j] + GAP:
            i -= 1
        else:
            first_j = j
            j -= 1
    span = heard[first_j - 1:best_at[1]]
    # F-measure of the line's words against the words heard over the range.
    value = 2 * matched / (n + len(span))
    spoken: list[Word] = []
    for _, word in span:  # a word such as "15-year" gave two tokens: name it once
        if not spoken or spoken[-1] is not word:
            spoken.append(word)
    said = " ".join(word.text for word in spoken)
    return Match(transcript.file, span[0][1].start, span[-1][1].end, round(value, 3), said)


def match_lines(lines: list[tuple[str, str]], transcripts: list[Transcript],
                keep: int = 3) -> list[tuple[str, str, list[Match]]]:
    """For each (character, line), the `keep` best takes, best first."""
    out = []
    for character, text in lines:
        found = [m for t in transcripts if (m := best_match(text, t)) is not None]
        found.sort(key=lambda m: -m.score)
        out.append((character, text, found[:keep]))
    return out

