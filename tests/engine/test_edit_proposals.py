"""Cut proposals on synthetic analysed shots: the rules every proposal keeps."""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from engine.edit import AnalysedShot, Pacing, arc_error, from_shot_list, get_arc, propose
from engine.edit.inputs import NEUTRAL_AROUSAL, NEUTRAL_LABEL
from engine.shots import Shot, ShotList, Transition

RATE = Fraction(24)


def synthetic_shots(n: int = 120, seed: int = 0, files: int = 2, speech: bool = False) -> list[AnalysedShot]:
    """Shots of 1.5-8 s with random emotion, motion peaks, faces, histograms (and lines)."""
    rng = np.random.default_rng(seed)
    shots, starts = [], [0] * files
    for i in range(n):
        f = i * files // n  # files in order, shots in order within each
        length = int(rng.integers(36, 192))
        start = starts[f]
        starts[f] += length
        peaks = sorted(int(p) for p in rng.integers(start, start + length, size=int(rng.integers(0, 3))))
        lines = []
        if speech and rng.random() < 0.5:
            a = start + int(rng.integers(0, length // 2))
            lines = [(a, min(start + length - 1, a + int(rng.integers(10, 40))))]
        faces = rng.random() < 0.4
        shots.append(AnalysedShot(
            Path(f"/footage/clip{f}.mov"), RATE, start, start + length - 1, index=i,
            valence=float(rng.uniform(-1, 1)), arousal=float(rng.uniform(0, 1)),
            label=str(rng.choice(["calm", "tense", "joyful", "sad", "action"])), confidence=0.7,
            motion_peaks=peaks, face_frames=list(range(start, start + length, 6)) if faces else [],
            face_count=int(faces), face_scale=float(rng.uniform(0.05, 0.5)) if faces else 0.0,
            speech=lines, histogram=rng.random(16).astype(np.float32)))
    return shots


def test_duration_within_one_shot_of_target():
    shots = synthetic_shots()
    for p in propose(shots, 45, "three-act"):
        longest = max(c.record_frames for c in p.cuts)
        assert abs(p.duration_frames - 45 * 24) <= longest
        assert p.cuts and all(c.record_frames >= round(0.75 * 24) for c in p.cuts)  # readable


def test_clips_are_inside_their_shots_and_timeline_is_contiguous():
    shots = synthetic_shots()
    p = propose(shots, 30, "rising")[0]
    position = 0
    for c in p.cuts:
        assert c.shot.start_frame <= c.source_start <= c.source_end <= c.shot.end_frame
        assert c.source_frames == c.record_frames  # same rate: one frame for one frame
        assert c.record_start == position
        position += c.record_frames


@pytest.mark.parametrize("source_order", [True, False])
def test_excluded_never_used_and_must_use_kept(source_order):
    shots = synthetic_shots(seed=1)
    by_arousal = sorted(range(len(shots)), key=lambda i: shots[i].arousal)
    # Exclude the shots the arc wants most, keep two it would never pick.
    for i in by_arousal[:10] + by_arousal[-10:]:
        shots[i].excluded = True
    middle = by_arousal[len(shots) // 2]
    for i in (middle, by_arousal[len(shots) // 2 + 3]):
        shots[i].must_use = True
    for p in propose(shots, 40, "rising", source_order=source_order):
        used = [c.shot for c in p.cuts]
        assert not any(s.excluded for s in used)
        assert all(any(u is s for u in used) for s in shots if s.must_use)
        if source_order:
            keys = [(str(s.path), s.start_frame) for s in used]
            assert keys == sorted(keys, key=lambda k: [str(x.path) for x in shots].index(k[0]) * 10**7 + k[1])


def test_no_cut_inside_speech():
    shots = synthetic_shots(seed=2, speech=True)
    assert sum(bool(s.speech) for s in shots) > 30
    for p in propose(shots, 50, "trailer"):
        for c in p.cuts:
            for a, b in c.shot.speech:
                assert not (a < c.source_start <= b), "in-point splits a line"
                assert not (a <= c.source_end < b), "out-point splits a line"


def test_transition_frames_are_avoided():
    shot_list = ShotList(RATE, 600, [Shot(0, 210), Shot(190, 400), Shot(401, 599)],
                         [Transition("dissolve", 190, 210), Transition("cut", 401, 401)],
                         np.zeros(0), np.zeros(0))
    shots = from_shot_list("/footage/a.mov", shot_list)
    assert shots[0].usable() == (0, 189) and shots[1].usable() == (211, 400)
    for p in propose(shots, 12, "flat", pacing=Pacing(avg_shot_s=4), alternatives=1):
        for c in p.cuts:
            assert not (c.source_start <= 210 and c.source_end >= 190)


def test_adapter_defaults_and_emotion_dicts():
    shot_list = ShotList(RATE, 100, [Shot(0, 49), Shot(50, 99)], [Transition("cut", 50, 50)],
                         np.zeros(0), np.zeros(0))
    shots = from_shot_list("/f/a.mov", shot_list, {1: {"valence": -0.5, "arousal": 0.9, "label": "tense",
                                                        "confidence": 0.8, "shot_scale": "close-up",
                                                        "speech": [(60, 70)]}}, must_use=[0])
    assert (shots[0].arousal, shots[0].label, shots[0].confidence) == (NEUTRAL_AROUSAL, NEUTRAL_LABEL, 0.0)
    assert shots[0].must_use and not shots[1].must_use
    assert shots[1].label == "tense" and shots[1].face_scale > 0.28 and shots[1].speech == [(60, 70)]


def test_rising_arc_beats_random_edits_of_the_same_shots():
    shots = synthetic_shots(n=200, seed=3)
    arousal = np.array([s.arousal for s in shots])
    arc = get_arc("rising")
    best = propose(shots, 60, arc, alternatives=1)[0]
    rng = np.random.default_rng(0)
    random_errors = []
    for _ in range(30):
        chosen = rng.choice(len(shots), size=len(best.cuts), replace=False)
        cuts = [type(c)(shots[i], 0, 0, c.record_start, c.record_frames, "", 0.0, "")
                for c, i in zip(best.cuts, chosen)]
        random_errors.append(arc_error(cuts, arc, arousal))
    assert best.arc_error < 0.5 * np.mean(random_errors)
    assert best.arc_error < min(random_errors)
    # And it rises: the last third is well above the first.
    a = [c.shot.arousal for c in best.cuts]
    third = len(a) // 3
    assert np.mean(a[-third:]) - np.mean(a[:third]) > 0.4


def test_three_alternatives_differ():
    shots = synthetic_shots(seed=4)
    proposals = propose(shots, 40, "trailer")
    assert len(proposals) == 3
    assert len({p.name for p in proposals}) == 3
    ranges = [{(c.shot.index, c.source_start, c.source_end) for c in p.cuts} for p in proposals]
    for i in range(3):
        for j in range(i + 1, 3):
            overlap = len(ranges[i] & ranges[j]) / min(len(ranges[i]), len(ranges[j]))
            assert overlap < 0.5
    for p in proposals:
        text = p.explanation()
        assert p.summary and "arc error" in p.summary and len(p.sections) >= 3
        assert all(c.reason and c.section in text for c in p.cuts)


def test_custom_arc_and_free_order():
    shots = synthetic_shots(seed=5)
    p = propose(shots, 30, "0:0.9,0.5:0.1,1:0.9", source_order=False, alternatives=1)[0]
    a = np.array([c.shot.arousal for c in p.cuts])
    middle = a[len(a) // 3: 2 * len(a) // 3]
    assert middle.mean() < a[:2].mean() and middle.mean() < a[-2:].mean()
    assert len({c.shot.index for c in p.cuts}) == len(p.cuts)  # no repeats while shots remain


def test_bad_arguments():
    with pytest.raises(ValueError):
        get_arc("sideways")
    with pytest.raises(ValueError):
        propose([], 10)
    with pytest.raises(ValueError):
        propose(synthetic_shots(10), 0)
