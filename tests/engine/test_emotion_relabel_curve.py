"""The relabel curve: the editor's labels of training-fold shots keep training a model, held-out folds untouched."""
from __future__ import annotations

import numpy as np

from engine.affect.evaluate import DevShot, Prediction, relabel_curve


def _shots():
    # Ten films; a shot is "action" when it moves a lot, whatever the film.
    rng = np.random.default_rng(3)
    shots, values = [], []
    for i in range(60):
        motion = float(rng.uniform(0, 1))
        label = "action" if motion > 0.6 else "neutral"
        shots.append(DevShot(f"s{i}", "f.mp4", i, i, f"film{i % 10}", 2 if label == "action" else 0, 0.0, label))
        values.append({"id": f"s{i}", "motion": motion})
    return shots, values


def test_relabels_come_from_training_folds_only_and_the_curve_learns():
    shots, values = _shots()
    seen: list[tuple[set, set]] = []

    def fit(train, train_values, relabelled):
        assert [v["id"] for v in train_values] == [s.id for s in train]
        labelled = train[:relabelled]
        seen.append(({s.source for s in train}, {s.id for s in labelled}))
        # learn the motion threshold from the relabelled shots only; nothing relabelled: say neutral
        moves = [v["motion"] for v, s in zip(train_values[:relabelled], labelled) if s.label == "action"]
        still = [v["motion"] for v, s in zip(train_values[:relabelled], labelled) if s.label != "action"]
        cut = (min(moves) + max(still)) / 2 if moves and still else 2.0

        def predict(x):
            return Prediction(0.0, x["motion"], "action" if x["motion"] > cut else "neutral")
        return predict

    curve = relabel_curve(shots, values, fit, (0, 5, 30, 1000), k=5, seeds=(0, 1))
    assert sorted(curve) == [0, 5, 30, 1000] and all(len(r) == 2 for r in curve.values())
    # every fit saw the training films only: each call misses the two held-out films
    assert all(len(films) == 8 for films, _ in seen)
    assert max(len(ids) for _, ids in seen) == 48  # "1000" means every training shot
    f1 = {n: float(np.mean([r.labels["action"].f1 for r in reports])) for n, reports in curve.items()}
    assert f1[0] == 0 and f1[1000] > 0.9 and f1[30] > f1[5] * 0.9
    # the same held-out shots are predicted at every count
    assert all(r.count == 60 for reports in curve.values() for r in reports)


def test_the_learned_model_takes_over_only_when_it_beats_the_default_model():
    from engine.affect import learned
    from engine.affect.features import FEATURE_NAMES

    rng = np.random.default_rng(9)
    X = rng.uniform(0, 1, (60, len(FEATURE_NAMES)))
    labels = ["action" if x > 0.5 else "calm" for x in X[:, FEATURE_NAMES.index("motion")]]
    # a default model that already gives every one of the editor's labels: nothing to take over for
    model = learned.train(X, labels, default=list(labels))
    assert model.agreement > model.chance and model.default_agreement == 1.0 and not model.active
    # a default model that gets a third of them: the editor's model has earned it
    model = learned.train(X, labels, default=[lab if i % 3 == 0 else "neutral" for i, lab in enumerate(labels)])
    assert model.default_agreement < 0.4 and model.active
