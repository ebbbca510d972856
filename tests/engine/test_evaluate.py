"""The evaluation harness on hand-made cases."""
from __future__ import annotations

import pytest

from engine.shots.evaluate import Counts, evaluate, match_cuts, match_spans


def test_cuts_match_within_tolerance_one_to_one():
    # 11 and 12 are both within 2 of 10, but a true cut takes one detection only; 23 is 3 off 20.
    assert match_cuts([10, 20], [11, 12, 23]) == [(0, 0)]
    score = evaluate([("cut", 10, 10), ("cut", 20, 20)], [("cut", 11, 11), ("cut", 12, 12), ("cut", 23, 23)])
    assert score.cuts == Counts(tp=1, fp=2, fn=1)
    assert score.cuts.f1 == pytest.approx(0.4)


def test_closest_pairs_are_matched_first():
    # Greedy by distance: 11 goes to 11, leaving 9 for 10.
    assert sorted(match_cuts([10, 11], [11, 9])) == [(0, 1), (1, 0)]


def test_gradual_match_needs_overlap():
    truth = [{"type": "dissolve", "start_frame": 10, "end_frame": 20},
             {"type": "fade", "start_frame": 40, "end_frame": 50}]
    found = [("dissolve", 20, 25), ("fade", 51, 60)]
    score = evaluate(truth, found)
    assert score.gradual == Counts(tp=1, fp=1, fn=1)
    assert match_spans([(0, 10)], [(5, 6), (2, 9)]) == [(0, 1)]  # largest overlap wins


def test_type_accuracy_counts_located_transitions():
    truth = [("cut", 10, 10), ("dissolve", 30, 40), ("fade", 60, 70)]
    found = [("cut", 11, 11), ("fade", 32, 38), ("fade", 61, 69), ("cut", 100, 100)]
    score = evaluate(truth, found)
    assert (score.typed_right, score.typed_total) == (2, 3)
    assert score.gradual == Counts(tp=2, fp=0, fn=0)  # dissolve vs fade: still a gradual match
    assert score.cuts == Counts(tp=1, fp=1, fn=0)


def test_a_dissolve_found_as_a_cut_counts_against_both():
    score = evaluate([("dissolve", 10, 20)], [("cut", 15, 15)])
    assert score.cuts == Counts(tp=0, fp=1, fn=0)
    assert score.gradual == Counts(tp=0, fp=0, fn=1)
    assert score.type_accuracy == 0.0


def test_empty_is_perfect_and_scores_add():
    empty = evaluate([], [])
    assert empty.cuts.f1 == 1.0 and empty.gradual.f1 == 1.0
    both = evaluate([("cut", 5, 5)], [("cut", 5, 5)]) + evaluate([("cut", 5, 5)], [])
    assert both.cuts == Counts(tp=1, fp=0, fn=1)
