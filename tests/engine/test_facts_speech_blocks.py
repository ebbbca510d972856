"""Voice activity heard in blocks (so a long file's sound never sits in memory whole) finds
the speech one pass over the whole sound finds: Silero's state restarts with each block, which
moves a range's end by a frame here and there, and cuts a range at a block's edge."""
from __future__ import annotations

from fractions import Fraction


def test_blocks_find_the_speech_one_pass_finds(media, monkeypatch):
    import engine.analysis.facts as facts

    lecture = media / "sources" / "physicsworks_lecture_audio.webm"  # 203 s of one man talking
    whole = facts.speech_ranges(lecture, Fraction(25), 10**6)
    monkeypatch.setattr(facts, "VAD_BLOCK_S", 60)  # four blocks, three edges
    blocks = facts.speech_ranges(lecture, Fraction(25), 10**6)

    def frames(ranges):
        return {f for a, b in ranges for f in range(a, b + 1)}
    spoken = frames(whole)
    assert len(spoken) > 2500  # most of the lecture is speech
    assert abs(len(blocks) - len(whole)) <= 3
    differ = frames(blocks) ^ spoken
    assert len(differ) <= 0.01 * len(spoken), sorted(differ)
