"""The transcript panel's Qt-free side: words laid out as text, and search across clips."""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from pathlib import Path

from engine.transcript.gaps import PAUSE_S, is_filler
from engine.transcript.matching import words_of
from engine.transcript.result import Transcript, Word


@dataclass
class Layout:
    """A transcript as one paragraph per segment, and where each word sits in that text."""

    text: str
    words: list[Word]
    spans: list[tuple[int, int]]  # character range of each word in `text`
    pause_spans: list[tuple[int, int]] = field(default_factory=list)  # "[1.8 s]" marks (a glyph the default fonts all have)
    fillers: list[int] = field(default_factory=list)  # indices of filler words
    speaker_spans: list[tuple[int, int]] = field(default_factory=list)  # "Speaker 2:" where the voice changes

    @classmethod
    def of(cls, transcript: Transcript) -> Layout:
        parts: list[str] = []
        words: list[Word] = []
        spans: list[tuple[int, int]] = []
        pause_spans: list[tuple[int, int]] = []
        fillers: list[int] = []
        speaker_spans: list[tuple[int, int]] = []
        several = transcript.speakers > 1
        at, voice = 0, None
        for segment in transcript.segments:
            if parts:
                parts.append("\n\n")
                at += 2
            if several and segment.speaker is not None and segment.speaker != voice:
                label = f"Speaker {segment.speaker + 1}:"  # the editor counts from 1
                parts.append(label + " ")
                speaker_spans.append((at, at + len(label)))
                at += len(label) + 1
                voice = segment.speaker
            for k, word in enumerate(segment.words):
                if k:
                    parts.append(" ")
                    at += 1
                if words and word.start - words[-1].end >= PAUSE_S:  # a long pause, shown
                    mark = f"[{word.start - words[-1].end:.1f} s]"
                    parts.append(mark + " ")
                    pause_spans.append((at, at + len(mark)))
                    at += len(mark) + 1
                if is_filler(word):
                    fillers.append(len(words))
                parts.append(word.text)
                spans.append((at, at + len(word.text)))
                words.append(word)
                at += len(word.text)
        return cls("".join(parts), words, spans, pause_spans, fillers, speaker_spans)

    def word_at_char(self, position: int) -> int | None:
        """The word under a text position (the nearest one before it between words)."""
        if not self.spans:
            return None
        i = bisect.bisect_right([s for s, _ in self.spans], position) - 1
        return max(i, 0)

    def word_at_time(self, seconds: float) -> int | None:
        """The word being said at `seconds`, or the last one before it; None before the first."""
        i = bisect.bisect_right([w.start for w in self.words], seconds + 1e-6) - 1
        return i if i >= 0 else None


@dataclass(frozen=True)
class Hit:
    path: Path
    start: float
    end: float
    context: str  # the segment's text


def search(transcripts: dict[Path, Transcript], query: str) -> list[Hit]:
    """Every place a clip's transcript says `query` (words in order, case and punctuation ignored)."""
    wanted = words_of(query)
    if not wanted:
        return []
    hits = []
    for path, transcript in transcripts.items():
        for segment in transcript.segments:
            heard = [(w, word) for word in segment.words for w in words_of(word.word)]
            for i in range(len(heard) - len(wanted) + 1):
                if [w for w, _ in heard[i:i + len(wanted)]] == wanted:
                    hits.append(Hit(path, heard[i][1].start, heard[i + len(wanted) - 1][1].end, segment.text))
    return hits
