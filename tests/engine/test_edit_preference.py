"""The taste model: learns a simulated editor's consistent preference, from reviews and finished edits."""
from __future__ import annotations

import numpy as np

from engine.edit import PreferenceModel, candidate_features, proposal_timeline, propose
from tests.engine.test_edit_proposals import synthetic_shots


def _close_up_choices(shots, queries: int, seed: int):
    """Choices of 8 candidates where the editor ranks close-ups first, then mediums."""
    rng = np.random.default_rng(seed)
    for _ in range(queries):
        picked = rng.choice(len(shots), size=8, replace=False)
        t = float(rng.random())
        feats, labels = [], []
        for i in picked:
            s = shots[i]
            feats.append(candidate_features(s, s.start_frame, s.end_frame, t, t))
            labels.append(2 if s.face_scale >= 0.28 else 1 if s.face_scale >= 0.1 else 0)
        if len(set(labels)) > 1:
            yield feats, labels


def test_ranker_learns_a_consistent_preference():
    train_shots, held_out = synthetic_shots(300, seed=10), synthetic_shots(300, seed=11)
    taste = PreferenceModel()
    for feats, labels in _close_up_choices(train_shots, 80, seed=0):
        taste.add_query(feats, labels)
    report = taste.train()
    assert report.trained and report.examples > 400 and report.ndcg > report.baseline_ndcg + 0.2
    from engine.edit.preference import _ndcg
    scores = [_ndcg(labels, taste.score(np.array(feats))) for feats, labels in _close_up_choices(held_out, 40, 1)]
    rng = np.random.default_rng(2)
    baseline = [_ndcg(labels, rng.random(len(labels))) for _, labels in _close_up_choices(held_out, 40, 1)]
    assert np.mean(scores) > 0.95 and np.mean(scores) > np.mean(baseline) + 0.2
    assert "validation NDCG" in str(report)


def test_taste_moves_proposals_and_resets(tmp_path):
    shots = synthetic_shots(200, seed=12)
    taste = PreferenceModel(tmp_path / "taste")
    for feats, labels in _close_up_choices(shots, 60, seed=3):
        taste.add_query(feats, labels)
    taste.train()
    plain = propose(shots, 40, "flat", alternatives=1)[0]
    tasteful = propose(shots, 40, "flat", preference=taste, alternatives=1)[0]
    def share(p):
        return np.mean([c.shot.face_scale >= 0.28 for c in p.cuts])
    assert share(tasteful) > share(plain)
    again = PreferenceModel(tmp_path / "taste")  # kept on disk
    assert again.trained and again.report().queries == taste.report().queries
    again.reset()
    assert not again.trained and again.report().examples == 0
    assert not PreferenceModel(tmp_path / "taste").trained


def test_learns_from_reviews_and_finished_timelines():
    shots = synthetic_shots(150, seed=13)
    taste = PreferenceModel()
    proposals = propose(shots, 30, "trailer")
    added = taste.add_feedback(proposals[0], {0: "rejected", 2: "rejected"}, trims={1: (
        proposals[0].cuts[1].source_start + 2, proposals[0].cuts[1].source_end)})
    assert added == len(proposals[0].cuts) + 6
    assert taste.add_feedback(proposals[1], "rejected") == 0  # nothing ranks above anything
    # A finished edit of the same footage: its clips are the kept ranges.
    finished = proposal_timeline(proposals[2], probe_media=False)
    kept = taste.add_finished_timeline(finished, shots)
    assert kept == len(proposals[2].cuts)
    report = taste.train()
    assert report.queries == 1 + kept and report.trained and report.ndcg is not None


def test_a_rejected_finished_edit_ranks_its_ranges_below_the_alternatives():
    """Reject teaches the opposite of Keep (the used ranges were once learned as kept either way)."""
    shots = synthetic_shots(150, seed=13)
    finished = proposal_timeline(propose(shots, 30, "trailer")[0], probe_media=False)
    kept, rejected = PreferenceModel(), PreferenceModel()
    assert kept.add_finished_timeline(finished, shots, kept=True) > 0
    assert rejected.add_finished_timeline(finished, shots, kept=False) > 0
    assert all(labels[0] == 1 and set(labels[1:]) == {0} for labels, _ in kept._queries)
    assert all(labels[0] == 0 and set(labels[1:]) == {1} for labels, _ in rejected._queries)
