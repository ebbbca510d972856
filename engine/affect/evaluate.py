"""Scores emotion models against people's labels of shots (the dev set in tests/data/emotion_devset).

A model here is anything that turns a shot's features into a ``Prediction``;
``cross_validate`` fits one per fold on the other folds' shots and scores it only
on shots it did not see. Folds are grouped by the source film a shot comes from,
so a shot's twins (the same source frames cut into another sequence) never sit
on both sides of a split.

Measures: Spearman's rank correlation of arousal and of valence with people's
ratings, per-label precision, recall and F1, the share of shots people called
neutral that the model gave an emotive label, and the confusion matrix.
"""
from __future__ import annotations

import csv
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .labels import LABELS

COLUMNS = ("id", "file", "start_frame", "end_frame", "source", "arousal", "valence", "label", "sound",
           "description", "unsure")
#: People's arousal ratings 0, 1, 2 on the models' 0..1 scale.
AROUSAL_SCALE = (0.2, 0.5, 0.8)


@dataclass(frozen=True)
class DevShot:
    """One labelled shot: where it is and how a person read it."""

    id: str
    file: str  # relative to the shared media folder
    start_frame: int
    end_frame: int  # inclusive
    source: str  # the source film the frames come from (the grouping for folds)
    arousal: int  # 0 still, 1 some energy, 2 intense
    valence: float  # -1 .. 1
    label: str
    sound: str = ""
    description: str = ""
    unsure: str = ""


def load_devset(path: str | Path) -> list[DevShot]:
    """The labelled shots of a dev-set CSV.

    Raises:
        ValueError: one line naming the file, the row and the problem.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"{path}: cannot read the dev set ({exc.strerror})") from None
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)}")
    shots, seen = [], set()
    for line, row in enumerate(reader, start=2):
        try:
            shot = DevShot(row["id"], row["file"], int(row["start_frame"]), int(row["end_frame"]), row["source"],
                           int(row["arousal"]), float(row["valence"]), row["label"], row["sound"],
                           row["description"], row["unsure"])
        except (TypeError, ValueError):
            raise ValueError(f"{path}:{line}: frames and arousal must be integers, valence a number") from None
        problem = (
            "duplicate id" if shot.id in seen else
            "arousal must be 0, 1 or 2" if shot.arousal not in (0, 1, 2) else
            "valence must lie in -1..1" if not -1 <= shot.valence <= 1 else
            f"unknown label {shot.label!r}" if shot.label not in LABELS else
            "end_frame before start_frame" if shot.end_frame < shot.start_frame else None)
        if problem:
            raise ValueError(f"{path}:{line}: {problem}")
        seen.add(shot.id)
        shots.append(shot)
    if not shots:
        raise ValueError(f"{path}: no labelled shots")
    return shots


@dataclass(frozen=True)
class Prediction:
    """A model's reading of one shot."""

    valence: float
    arousal: float
    label: str
    confidence: float = 1.0


@dataclass(frozen=True)
class LabelScore:
    precision: float
    recall: float
    f1: float
    support: int  # shots people gave this label


@dataclass
class Report:
    """How a model's predictions compare with people's labels."""

    arousal_rho: float
    valence_rho: float
    labels: dict[str, LabelScore]
    neutral_mislabelled: float  # share of people's neutral shots given an emotive label
    confusion: np.ndarray  # rows: people's label, columns: the model's, in ``order``
    order: tuple[str, ...]
    count: int
    accuracy: float
    macro_f1: float = field(init=False)

    def __post_init__(self):
        present = [s.f1 for s in self.labels.values() if s.support]
        self.macro_f1 = float(np.mean(present)) if present else 0.0

    def lines(self) -> list[str]:
        """The report as text, one figure a line."""
        out = [f"shots {self.count}  arousal rho {self.arousal_rho:+.3f}  valence rho {self.valence_rho:+.3f}  "
               f"neutral mislabelled {self.neutral_mislabelled:.0%}  accuracy {self.accuracy:.0%}  "
               f"macro F1 {self.macro_f1:.2f}"]
        for label, s in self.labels.items():
            out.append(f"  {label:9s} P {s.precision:.2f}  R {s.recall:.2f}  F1 {s.f1:.2f}  (n={s.support})")
        return out


def spearman(a: Sequence[float], b: Sequence[float]) -> float:
    """Spearman's rho; 0 when either side is constant (no ranking to agree with)."""
    from scipy.stats import spearmanr

    a, b = np.asarray(a, float), np.asarray(b, float)
    if len(a) < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return 0.0
    return float(spearmanr(a, b).statistic)


def evaluate(truth: Sequence[DevShot], predictions: Sequence[Prediction]) -> Report:
    """Compare predictions with the people's labels, shot by shot."""
    if len(truth) != len(predictions):
        raise ValueError(f"{len(truth)} labelled shots but {len(predictions)} predictions")
    human = [t.label for t in truth]
    model = [p.label for p in predictions]
    order = tuple(l for l in LABELS if l in set(human) | set(model))
    at = {l: i for i, l in enumerate(order)}
    confusion = np.zeros((len(order), len(order)), int)
    for h, m in zip(human, model):
        confusion[at[h], at[m]] += 1
    labels = {}
    for label, i in at.items():
        tp = confusion[i, i]
        predicted, actual = confusion[:, i].sum(), confusion[i].sum()
        p = tp / predicted if predicted else 0.0
        r = tp / actual if actual else 0.0
        labels[label] = LabelScore(float(p), float(r), float(2 * p * r / (p + r)) if p + r else 0.0, int(actual))
    neutral = [m for h, m in zip(human, model) if h == "neutral"]
    return Report(
        spearman([t.arousal for t in truth], [p.arousal for p in predictions]),
        spearman([t.valence for t in truth], [p.valence for p in predictions]),
        labels,
        float(np.mean([m != "neutral" for m in neutral])) if neutral else 0.0,
        confusion, order, len(truth), float(np.mean([h == m for h, m in zip(human, model)])))


def group_folds(groups: Sequence[str], k: int) -> list[np.ndarray]:
    """Test indices of ``k`` folds, whole groups at a time, largest groups dealt first to the smallest fold."""
    members: dict[str, list[int]] = defaultdict(list)
    for i, g in enumerate(groups):
        members[g].append(i)
    k = max(1, min(k, len(members)))
    folds: list[list[int]] = [[] for _ in range(k)]
    for g in sorted(members, key=lambda g: (-len(members[g]), g)):
        min(folds, key=len).extend(members[g])
    return [np.array(sorted(f), int) for f in folds]


#: A fitter: (training shots, their features) -> predictor of one shot's features.
Fitter = Callable[[list[DevShot], list[dict]], Callable[[dict], Prediction]]


def cross_validate(shots: Sequence[DevShot], values: Sequence[dict], fit: Fitter, k: int = 5,
                   groups: Sequence[str] | None = None) -> tuple[Report, list[Prediction]]:
    """Held-out report: each fold predicted by a model fitted on the other folds only."""
    shots, values = list(shots), list(values)
    predictions: list[Prediction | None] = [None] * len(shots)
    for test in group_folds(groups if groups is not None else [s.source for s in shots], k):
        held = set(test.tolist())
        train = [i for i in range(len(shots)) if i not in held]
        predict = fit([shots[i] for i in train], [values[i] for i in train])
        for i in test:
            predictions[i] = predict(values[i])
    return evaluate(shots, predictions), predictions


#: A relabel fitter: (training shots in the order the editor relabels them, their features,
#: how many the editor has relabelled so far) -> predictor of one shot's features.
RelabelFitter = Callable[[list[DevShot], list[dict], int], Callable[[dict], Prediction]]


def relabel_curve(shots: Sequence[DevShot], values: Sequence[dict], fit: RelabelFitter, counts: Sequence[int],
                  k: int = 5, seeds: Sequence[int] = (0, 1, 2), groups: Sequence[str] | None = None
                  ) -> dict[int, list[Report]]:
    """Held-out reports as the editor's relabels accumulate: {relabel count: one report per seed}.

    Simulates an editor who relabels the training folds' shots one at a time, in a
    random order per seed, with the dev set's own labels; the held-out fold is
    never relabelled and only ever predicted. A count above a fold's training
    size means every training shot. Same folds (grouped by source film) as
    ``cross_validate``, so the figure at the largest count is comparable with it.
    """
    shots, values = list(shots), list(values)
    folds = group_folds(groups if groups is not None else [s.source for s in shots], k)
    curve: dict[int, list[Report]] = {int(n): [] for n in counts}
    for seed in seeds:
        rng = np.random.default_rng(seed)
        predictions: dict[int, list[Prediction | None]] = {n: [None] * len(shots) for n in curve}
        for test in folds:
            held = set(test.tolist())
            order = [int(i) for i in rng.permutation([i for i in range(len(shots)) if i not in held])]
            train_shots, train_values = [shots[i] for i in order], [values[i] for i in order]
            for n in curve:
                predict = fit(train_shots, train_values, min(n, len(order)))
                for i in test:
                    predictions[n][i] = predict(values[i])
        for n in curve:
            curve[n].append(evaluate(shots, predictions[n]))
    return curve


def majority_label(shots: Sequence[DevShot]) -> str:
    return Counter(s.label for s in shots).most_common(1)[0][0]


def plot_confusion(report: Report, path: str | Path, title: str) -> Path:
    """The confusion matrix as a PNG (rows: people's labels, columns: the model's)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    path = Path(path)
    fig = Figure(figsize=(5.5, 4.8), dpi=100)
    ax = fig.add_subplot()
    m = report.confusion
    ax.imshow(m, cmap="Blues")
    ax.set_xticks(range(len(report.order)), report.order, rotation=45, ha="right")
    ax.set_yticks(range(len(report.order)), report.order)
    ax.set_xlabel("model")
    ax.set_ylabel("people")
    ax.set_title(title, fontsize=9)
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            if m[i, j]:
                ax.text(j, i, str(m[i, j]), ha="center", va="center",
                        color="white" if m[i, j] > m.max() / 2 else "black", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    return path


def measure(shots: Sequence[DevShot], media: str | Path, cache=None, device=None) -> list[dict[str, float]]:
    """Each dev-set shot's features (``features.FEATURE_NAMES``), one decode per file.

    Raises:
        MediaError: a file cannot be decoded.
    """
    from fractions import Fraction

    from engine.jobs import drive
    from engine.media import probe
    from engine.shots import Shot, ShotList

    from .features import features_job

    media = Path(media)
    by_file: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(shots):
        by_file[s.file].append(i)
    out: list[dict | None] = [None] * len(shots)
    for file, idx in by_file.items():
        path = media / file
        info = probe(path)
        n = max(shots[i].end_frame for i in idx) + 1
        idx = sorted(idx, key=lambda i: shots[i].start_frame)
        shot_list = ShotList(Fraction(info.video.frame_rate), n,
                             [Shot(shots[i].start_frame, shots[i].end_frame) for i in idx], [],
                             np.zeros(n), np.zeros(n))
        features = drive(features_job(path, shot_list, info, cache, device))
        for i, f in zip(idx, features.shots):
            out[i] = dict(f.values)
    return out
