"""Cut rules on the facts the analysis now delivers: jump cuts only within one source,
cut on action, and requests no footage can satisfy."""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from engine.edit.inputs import AnalysedShot
from engine.edit.proposals import propose

RATE = Fraction(24)


def _shot(path: str, start: int, look: np.ndarray, **facts) -> AnalysedShot:
    return AnalysedShot(Path(path), RATE, start, start + 71, index=start // 72, histogram=look, **facts)


def test_jump_cut_penalty_only_between_looks_of_one_source():
    look = np.ones(128, np.float32)
    other = np.zeros(128, np.float32)
    other[0] = 1
    # a0 and a1 look alike and come from one file; b0 looks the same from another camera.
    same = [_shot("/r/a.mov", 0, look), _shot("/r/a.mov", 72, look), _shot("/r/a.mov", 144, other)]
    proposal = propose(same, 6, "flat", alternatives=1)[0]
    order = [c.shot.index for c in proposal.cuts]
    assert len(order) == 2 and order != [0, 1], proposal.explanation()  # a0 -> a1 would be a jump cut
    mixed = [_shot("/r/a.mov", 0, look), _shot("/r/b.mov", 72, look), _shot("/r/a.mov", 144, other)]
    proposal = propose(mixed, 6, "flat", alternatives=1)[0]
    assert "jump cut" not in proposal.explanation()


def test_picture_cuts_land_on_action_and_say_so():
    look = np.ones(128, np.float32)
    shots = [_shot("/r/a.mov", 0, look, motion_peaks=[40]), _shot("/r/a.mov", 72, look, motion_peaks=[130])]
    proposal = propose(shots, 4, "flat", alternatives=1)[0]
    assert "cut on action" in proposal.explanation()
    assert any(c.source_end in (39, 40, 41, 129, 130, 131) for c in proposal.cuts)


def test_contradictory_and_unfillable_requests_name_the_conflict():
    look = np.ones(128, np.float32)
    shots = [_shot("/r/a.mov", 0, look, must_use=True, excluded=True), _shot("/r/a.mov", 72, look)]
    with pytest.raises(ValueError, match="both required and excluded"):
        propose(shots, 4, "flat")
    with pytest.raises(ValueError, match="cannot be filled"):
        propose([_shot("/r/a.mov", 0, look)], 60, "flat")


def test_audio_edits_never_split_a_line_at_mixed_rates():
    """29.97 and 24 fps sources in a 25 fps edit, lines everywhere: every A1 piece starts
    and ends in a pause of its own source and keeps its picture's offset."""
    from engine.edit.audio_edits import _source_at, _splits_speech, plan_audio
    from engine.edit.proposals import Cut

    rng = np.random.default_rng(3)
    timeline = Fraction(25)
    for _trial in range(40):
        cuts, at = [], 0
        for k in range(6):
            rate = (Fraction(30000, 1001), Fraction(24))[k % 2]
            start = int(rng.integers(0, 400))
            lines, f = [], start - 100
            while f < start + 300:
                a = f + int(rng.integers(3, 20))
                b = a + int(rng.integers(10, 60))
                lines.append((a, b))
                f = b
            shot = AnalysedShot(Path(f"/r/{k}.mov"), rate, start, start + 199, index=k, speech=lines,
                                extra={"frame_count": 1000})
            frames = int(rng.integers(20, 60))
            src = start + 40
            cuts.append(Cut(shot, src, src + round(frames * float(rate) / 25) - 1, at, frames, "s", 0.5, ""))
            at += frames
        pieces, edits = plan_audio(cuts, timeline)
        assert all(e.kind != "inside speech" for e in edits)
        for p in pieces:
            shot = cuts[p.cut].shot
            assert not _splits_speech(shot, p.source_start)
            assert not _splits_speech(shot, p.source_start + p.source_frames)
            assert p.source_start == _source_at(cuts[p.cut], p.record_start, timeline)
