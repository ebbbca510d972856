"""What an editor trims out of speech: filler words and long pauses, found in a transcript."""
from __future__ import annotations

from .result import Transcript, Word

#: Hesitations said on their own (Whisper often drops them; what it keeps is shown).
FILLERS = frozenset({"um", "umm", "uh", "uhm", "er", "erm", "ah", "hmm", "mm", "mhm"})
PAUSE_S = 1.0  # a silence this long inside speech is worth seeing


def is_filler(word: Word) -> bool:
    return word.text.strip(".,!?…-").lower() in FILLERS


def pauses(transcript: Transcript, minimum: float = PAUSE_S) -> list[tuple[float, float]]:
    """(start, end) of each silence between two words of at least `minimum` seconds."""
    words = transcript.words
    return [(a.end, b.start) for a, b in zip(words, words[1:], strict=False) if b.start - a.end >= minimum]
