"""The editor's own emotion model: LightGBM trained on the shots they labelled.

Labels live per user in ``config_dir()/affect/labels.json``, each with the
features of its shot, so retraining never needs the footage again. After every
change the model is retrained and its agreement with the editor measured by
stratified k-fold cross-validation; it takes over from the default model once it
has ``MIN_LABELS`` labels and agrees with the editor more often than always
answering their most frequent label would. The booster and its report are saved
beside the labels.

Explanations are LightGBM's own SHAP values (``predict(..., pred_contrib=True)``)
for the predicted label, in log-odds.
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .default_model import Contribution, Score
from .features import FEATURE_NAMES
from .features import VERSION as FEATURES_VERSION

MODEL_NAME = "learned"
MIN_LABELS = 20
#: Once active, the learned model labels a shot only when it is at least this sure; elsewhere the
#: default model's label stands. A model trained on the editor's films is confidently wrong on
#: films unlike them: on the dev set's held-out films (benchmarks/emotion.py, relabel curve) the
#: learned model alone fell from macro F1 0.36 to 0.10, with this guard to 0.32, while on new
#: sequences of films it had seen it kept most of its gain (0.64 of 0.69). Tried 0, 0.7, 0.9.
SURE = 0.9
#: Feature versions whose every feature means what today's does (versions 2, 3 and 5 added
#: features, which LightGBM takes as NaN in older labels; version 3 also measures the
#: picture inside black bars, which changes nothing for footage without them), so the
#: editor's earlier labels keep training the model.
COMPATIBLE_VERSIONS = frozenset({"1", "2", "3", "4", FEATURES_VERSION})
FOLDS = 5
# Small-data settings: a handful of labels per class must still allow splits.
PARAMS = {
    "objective": "multiclass",
    "num_leaves": 7,
    "min_data_in_leaf": 3,
    "min_data_in_bin": 1,
    "min_sum_hessian_in_leaf": 1e-3,
    "learning_rate": 0.1,
    "feature_fraction": 0.9,
    "lambda_l2": 1.0,
    "num_threads": 1,
    "deterministic": True,
    "seed": 7,
    "verbose": -1,
}
ROUNDS = 80
# The saved model: LightGBM's text and what it was made from (classes, features, agreement).
_BOOSTER, _META = "emotion_lgbm.txt", "emotion_lgbm.json"


def model_dir() -> Path:
    """Where this user's labels and learned model live."""
    from engine.settings import config_dir

    return config_dir() / "affect"


# -- labels ------------------------------------------------------------------------------


class LabelStore:
    """The editor's labelled shots (a JSON file; small, human-readable, atomic writes)."""

    def __init__(self, folder: Path | None = None):
        self.path = (folder or model_dir()) / "labels.json"

    def entries(self) -> list[dict]:
        """Every label, oldest first."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:
            raise RuntimeError(f"{self.path}: cannot read the labels ({exc})") from exc
        return list(data.get("labels", []))

    def add(self, fingerprint: str, file: str, start_frame: int, end_frame: int, label: str,
            features: dict[str, float]) -> None:
        """Label a shot; relabelling the same shot replaces its label."""
        key = f"{fingerprint}:{start_frame}:{end_frame}"
        kept = [e for e in self.entries() if e.get("key") != key]
        kept.append({"key": key, "file": file, "start_frame": int(start_frame), "end_frame": int(end_frame),
                     "label": label, "features": {k: float(features[k]) for k in FEATURE_NAMES},
                     "features_version": FEATURES_VERSION, "time": time.time()})
        self._write(kept)

    def _write(self, entries: list[dict]) -> None:
        from engine.atomic import atomic_write_text

        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.path, json.dumps({"labels": entries}, indent=1))


def matrix(entries: list[dict]) -> tuple[np.ndarray, list[str]]:
    """(labels, features) matrix in ``FEATURE_NAMES`` order and the label of each row."""
    X = np.array([[e["features"].get(n, np.nan) for n in FEATURE_NAMES] for e in entries], float)
    return X.reshape(-1, len(FEATURE_NAMES)), [e["label"] for e in entries]


# -- the model --------------------------------------------------------------------------


@dataclass
class LearnedModel:
    """A trained booster with what the editor should know about it.

    Attributes:
        classes: Label of each output, in LightGBM's class order.
        agreement: Cross-validated share of held-out labels it predicted right.
        chance: The share always answering the most frequent label would get.
        labels: How many labels it learnt from.
        default_agreement: The share of the same labels the default model gives
            (nothing was fitted to them, so no cross-validation is needed).
    """

    booster: object
    classes: list[str]
    agreement: float
    chance: float
    labels: int
    default_agreement: float = 0.0

    @property
    def active(self) -> bool:
        """Whether it has earned the right to replace the default model: enough labels, and it
        agrees with the editor more often than both the commonest label and the default model do."""
        return self.labels >= MIN_LABELS and self.agreement > max(self.chance, self.default_agreement)

    def probabilities(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(self.booster.predict(np.asarray(X, float)))

    def score(self, values: dict[str, float], valence: float, arousal: float) -> Score:
        """The label for one shot's features with its SHAP explanation.

        Valence and arousal stay the default model's (the editor labels categories,
        not coordinates), so curves and plots remain on one scale.
        """
        x = np.array([[values[n] for n in FEATURE_NAMES]], float)
        p = self.probabilities(x)[0]
        best = int(np.argmax(p))
        contrib = np.asarray(self.booster.predict(x, pred_contrib=True))[0]
        width = len(FEATURE_NAMES) + 1  # per class: one value per feature, then the bias
        mine = contrib[best * width:(best + 1) * width - 1]
        label = self.classes[best]
        explanation = [Contribution(n, float(c), label) for n, c in zip(FEATURE_NAMES, mine) if abs(c) >= 5e-4]
        explanation.sort(key=lambda c: -abs(c.contribution))
        return Score(valence, arousal, label, float(p[best]), explanation, MODEL_NAME)

    def save(self, folder: Path | None = None) -> None:
        from engine.atomic import atomic_write_text

        folder = folder or model_dir()
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write_text(folder / _BOOSTER, self.booster.model_to_string())
        atomic_write_text(folder / _META, json.dumps({
            "classes": self.classes, "agreement": self.agreement, "chance": self.chance,
            "labels": self.labels, "default_agreement": self.default_agreement,
            "features": list(FEATURE_NAMES), "features_version": FEATURES_VERSION,
        }, indent=1))

    @classmethod
    def load(cls, folder: Path | None = None) -> LearnedModel | None:
        """The saved model, or None when there is none or it was made for other features."""
        folder = folder or model_dir()
        try:
            meta = json.loads((folder / _META).read_text(encoding="utf-8"))
            text = (folder / _BOOSTER).read_text(encoding="utf-8")
        except (OSError, ValueError):
            return None
        if meta.get("features") != list(FEATURE_NAMES):
            return None
        import lightgbm as lgb

        return cls(lgb.Booster(model_str=text), list(meta["classes"]), float(meta["agreement"]),
                   float(meta["chance"]), int(meta["labels"]), float(meta.get("default_agreement", 0.0)))


def _fit(X: np.ndarray, y: np.ndarray, n_classes: int):
    import lightgbm as lgb

    data = lgb.Dataset(X, y, feature_name=list(FEATURE_NAMES), free_raw_data=False)
    return lgb.train({**PARAMS, "num_class": n_classes}, data, num_boost_round=ROUNDS)


def stratified_folds(y: np.ndarray, k: int, seed: int = 0) -> list[np.ndarray]:
    """Test indices of ``k`` folds, each class dealt round-robin so every fold sees it."""
    rng = np.random.default_rng(seed)
    folds: list[list[int]] = [[] for _ in range(k)]
    at = 0
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        for i in idx:
            folds[at % k].append(int(i))
            at += 1
    return [np.array(sorted(f), int) for f in folds if f]


def default_labels(rows: list[dict[str, float]]) -> list[str | None]:
    """The default model's label of each row of features; None where a feature it needs is missing
    (a label stored before that feature existed)."""
    from .default_model import score

    out: list[str | None] = []
    for values in rows:
        try:
            out.append(score(values).label)
        except KeyError:
            out.append(None)
    return out


def train(X: np.ndarray, labels: list[str], default: list[str | None] | None = None) -> LearnedModel | None:
    """Fit on every label and measure agreement by cross-validation; None below 2 classes.

    ``default``: the default model's label of each row (``default_labels``), to measure
    how often it already agrees with the editor; None where unknown (counted as a miss).
    """
    classes = sorted(set(labels))
    if len(classes) < 2:
        return None
    y = np.array([classes.index(lab) for lab in labels])
    counts = np.bincount(y, minlength=len(classes))
    k = int(min(FOLDS, max(2, counts.min())))
    right = 0
    for test in stratified_folds(y, k):
        train_idx = np.setdiff1d(np.arange(len(y)), test)
        if len(np.unique(y[train_idx])) < 2:
            continue
        booster = _fit(X[train_idx], y[train_idx], len(classes))
        right += int((np.argmax(booster.predict(X[test]), axis=1) == y[test]).sum())
    agreement = right / len(y)
    chance = counts.max() / len(y)
    default_agreement = (float(np.mean([d == lab for d, lab in zip(default, labels)]))
                         if default is not None and len(default) == len(labels) else 0.0)
    return LearnedModel(_fit(X, y, len(classes)), classes, float(agreement), float(chance), len(y),
                        default_agreement)


def saved_model(store: LabelStore | None = None) -> LearnedModel | None:
    """The editor's saved model; retrained from their labels first when it was made for other
    features (an upgrade that added one), so the model they trained keeps working."""
    store = store or LabelStore()
    model = LearnedModel.load(store.path.parent)
    if model is None and (store.path.parent / _META).exists():
        try:
            model = retrain(store)
        except RuntimeError as exc:  # unreadable labels: the default model still scores
            logging.getLogger(__name__).warning("%s", exc)
    return model


def retrain(store: LabelStore | None = None) -> LearnedModel | None:
    """Retrain from the stored labels (those measured with today's or compatible features) and save."""
    store = store or LabelStore()
    entries = [e for e in store.entries() if e.get("features_version") in COMPATIBLE_VERSIONS]
    X, labels = matrix(entries)
    model = train(X, labels, default_labels([e["features"] for e in entries]))
    if model is not None:
        model.save(store.path.parent)
    return model
