"""The transparent default emotion model: weighted terms, each a feature's push.

After Hanjalic & Xu (2005): arousal from motion activity (subject motion, its
bursts, camera shake), editing rhythm (cut rate) and sound energy; valence from
colour and brightness (Valdez & Mehrabian 1994: brightness raises pleasure,
saturation raises arousal), warmth, the faces' expressions measured against
each face's own neutral score (``features.expressive``: only clearly expressive
faces count) and, where music plays, its tempo. Every term is
``weight * clip((feature - centre) / scale, -2, 2)``, so a feature at its centre
says nothing and none can shout down the others. The sums go through tanh:
valence = tanh(sum), arousal = 0.5 + 0.5 tanh(sum); each term's contribution is
scaled by the same factor, so the contributions add up exactly to the score
(arousal above its 0.5 baseline).

The weights of the ``fitted`` terms were fitted on the labelled dev set
(``tests/data/emotion_devset``) by ``fit_terms``: non-negative ridge
regression with each term's sign fixed in advance, so a fit can make a term
matter less but never turn "brighter is more pleasant" around. Held-out
numbers: ``benchmarks/emotion.py``. The face terms keep hand-set weights: the
dev set has too few clearly expressive faces to fit them.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .labels import MIN_CONFIDENCE, MIN_CONFIDENCE_GRID, decide_label

MODEL_NAME = "default"


@dataclass(frozen=True)
class Term:
    """One feature's push on one axis."""

    feature: str
    axis: str  # "valence" or "arousal"
    weight: float
    centre: float = 0.0
    scale: float = 1.0
    transform: str = "linear"  # "linear", "log10" (of value + 0.01), "log2" (of max(value, 1)), "per_second"
    gate: str | None = None  # multiply by these features ("has_sound", "has_sound*~speech")
    fitted: bool = True  # weight fitted on the dev set (False: hand-set, kept by ``fit_terms``)
    prior: float | None = None  # the hand-set weight a fit starts from and is pulled back to

    def unit(self, values) -> np.ndarray:
        """The term's value at weight 1; 0 for a feature ``values`` lacks (measured before it existed)."""
        if self.feature not in values:
            return np.asarray(0.0)  # broadcasts against per-frame arrays in ``axes``
        x = np.asarray(values[self.feature], float)
        if self.transform == "log10":
            x = np.log10(np.maximum(x, 0) + 0.01)
        elif self.transform == "log2":
            x = np.log2(np.maximum(x, 1.0))
        elif self.transform == "per_second":
            x = x / np.maximum(np.asarray(values["shot_length"], float), 0.5)
        c = np.clip((x - self.centre) / self.scale, -2.0, 2.0)
        if self.gate is not None:
            # a product of features; "~name" is 1 - name (e.g. the share of the shot without speech)
            for name in self.gate.split("*"):
                g = np.asarray(values[name.lstrip("~")], float)
                c = c * (1.0 - g if name.startswith("~") else g)
        return c

    def value(self, values) -> np.ndarray:
        return self.weight * self.unit(values)


# Centres are ordinary footage (measured on the shared sequences and on broadcast
# norms for sound: -23 LUFS); scales are roughly "clearly more than ordinary".
# Weights: fitted on the dev set (see the module docstring); a weight of 0 is a
# term the fit found no use for, kept so that a refit can bring it back.
TERMS: tuple[Term, ...] = (
    # valence
    Term("brightness", "valence", 0.291, 0.45, 0.15, prior=0.30),
    Term("saturation", "valence", 0.105, 0.30, 0.15, prior=0.10),
    Term("colourfulness", "valence", 0.097, 0.35, 0.20, prior=0.10),
    Term("warmth", "valence", 0.089, 0.0, 0.10, prior=0.10),
    Term("camera_shake", "valence", -0.058, 0.0, 0.02, prior=-0.05),
    Term("expr_happy", "valence", 0.6, 0.0, 0.5, fitted=False),
    Term("expr_surprise", "valence", 0.15, 0.0, 0.5, fitted=False),
    Term("expr_sad", "valence", -0.6, 0.0, 0.5, fitted=False),
    Term("expr_angry", "valence", -0.45, 0.0, 0.5, fitted=False),
    Term("expr_fear", "valence", -0.45, 0.0, 0.5, fitted=False),
    Term("expr_disgust", "valence", -0.45, 0.0, 0.5, fitted=False),
    Term("tempo", "valence", 0.059, 0.0, 40.0, gate="has_sound", prior=0.06),
    # arousal: motion of the whole frame, of the subjects, of the busiest second (a car
    # rushing past in one second of a long shot), camera shake (log: it spans decades),
    # editing rhythm, sound energy and a darker picture (Valdez & Mehrabian 1994).
    Term("motion", "arousal", 0.342, np.log10(0.06), 0.5, "log10", prior=0.35),
    Term("subject_motion", "arousal", 0, np.log10(0.04), 0.5, "log10", prior=0.10),
    Term("motion_peak", "arousal", 0.159, np.log10(0.08), 0.5, "log10", prior=0.10),
    # Picture change (grey levels a frame, busiest second) sees fast blurred action and
    # flashes that flow at 80 px misses; prior as for motion, of which it is the classic form.
    Term("picture_change", "arousal", 0.12, 0.0, 0.5, "log10", prior=0.35),
    Term("camera_shake", "arousal", 0, np.log10(0.006), 0.5, "log10", prior=0.10),
    Term("cut_rate", "arousal", 0.045, np.log2(15.0), 1.0, "log2", prior=0.25),
    # Sound energy is the shot's loudness against its own file's (``loudness_rel``): every
    # film is mastered to about the same level, so absolute loudness says more about the
    # mastering than the scene (the dev set's calm cartoon score plays at -15 LUFS). Speech
    # at a narrator's or a conversation's level does not raise arousal (the dev set's lecture
    # over calm pictures shows it). Digital silence in a sequence is a clip without sound, not
    # a quiet scene, so silence has no term of its own (it cost held-out ranking on the dev set).
    # Hand-set: the dev set has almost no music or effects that swell or drop to fit it on.
    Term("loudness_rel", "arousal", 0.2, 0.0, 6.0, gate="has_sound*~speech", fitted=False),
    Term("onset_rate", "arousal", 0.076, 2.0, 2.0, gate="has_sound*~speech", prior=0.10),
    Term("brightness", "arousal", -0.214, 0.45, 0.15, prior=-0.05),
    Term("expr_angry", "arousal", 0.3, 0.0, 0.5, fitted=False),
    Term("expr_fear", "arousal", 0.3, 0.0, 0.5, fitted=False),
    Term("expr_surprise", "arousal", 0.3, 0.0, 0.5, fitted=False),
    Term("expr_sad", "arousal", -0.2, 0.0, 0.5, fitted=False),
)
# The tempo term's centre: music at 100 BPM is neither bright nor dark.
TEMPO_CENTRE = 100.0
#: Human arousal ratings 0 (still), 1 (some energy), 2 (intense) on the model's 0..1 scale.
AROUSAL_SCALE = (0.2, 0.5, 0.8)
#: Ridge strengths ``choose_ridge`` tries, per axis (against ~150 shots of squared error).
RIDGE_GRID = (10.0, 50.0, 200.0, 1000.0)
# Ridge strength of ``fit_terms`` towards the priors, per axis: chosen by ``choose_ridge``
# (grouped cross-validation on the dev set, benchmarks/emotion.py). Valence needs a strong
# pull: weights fitted on nine films and tried on the tenth ranked its shots worse than
# the priors from the literature did. With picture change (features version 5) the
# chooser, which looks at ranking only, prefers 200 for arousal by 0.008 held-out rho; on
# the same folds that cost the labels 0.07 macro F1 (tense: 0.59 to 0.15), so 50 stays.
RIDGE = {"valence": 1000.0, "arousal": 50.0}


@dataclass
class Contribution:
    """How much one feature moved one score."""

    feature: str
    contribution: float
    target: str  # "valence", "arousal", or the label a learned model explains

    def to_json(self) -> dict:
        return {"feature": self.feature, "contribution": round(float(self.contribution), 4), "target": self.target}


@dataclass
class Score:
    """A shot's emotion: position on the plane, editorial label, and why."""

    valence: float
    arousal: float
    label: str
    confidence: float
    explanation: list[Contribution]
    model: str = MODEL_NAME
    note: str = ""  # why the label is what it is when that is not obvious (a neutral fallback)


def _unit_values(term: Term, values) -> np.ndarray:
    if term.feature == "tempo":
        # No beat (tempo 0) is not "slow music": it contributes nothing.
        t = np.asarray(values["tempo"], float)
        return term.unit({**values, "tempo": np.where(t > 0, t - TEMPO_CENTRE, 0.0)})
    return term.unit(values)


def _term_values(term: Term, values) -> np.ndarray:
    return term.weight * _unit_values(term, values)


def axes(values, terms: tuple[Term, ...] | None = None
         ) -> tuple[np.ndarray, np.ndarray, dict[tuple[str, str], np.ndarray]]:
    """(valence, arousal, {(axis, feature): contribution}) for scalars or per-frame arrays."""
    raw: dict[tuple[str, str], np.ndarray] = {}
    for term in TERMS if terms is None else terms:
        raw[(term.axis, term.feature)] = raw.get((term.axis, term.feature), 0.0) + _term_values(term, values)
    sums = {axis: sum(v for (a, _), v in raw.items() if a == axis) for axis in ("valence", "arousal")}
    gains = {}
    for axis, s in sums.items():
        s = np.asarray(s, float)
        half = 1.0 if axis == "valence" else 0.5
        with np.errstate(invalid="ignore", divide="ignore"):
            gains[axis] = np.where(np.abs(s) > 1e-9, half * np.tanh(s) / np.where(s == 0, 1, s), half)
    contributions = {key: np.asarray(v, float) * gains[key[0]] for key, v in raw.items()}
    valence = np.tanh(np.asarray(sums["valence"], float))
    arousal = 0.5 + 0.5 * np.tanh(np.asarray(sums["arousal"], float))
    return valence, arousal, contributions


def score(values: dict[str, float], terms: tuple[Term, ...] | None = None,
          min_confidence: float = MIN_CONFIDENCE) -> Score:
    """The default model's score of one shot's features (``features.FEATURE_NAMES``).

    ``terms`` replaces ``TERMS`` and ``min_confidence`` ``labels.MIN_CONFIDENCE`` (a
    cross-validation fold's fit).
    """
    valence, arousal, contributions = axes(values, terms)
    v, a = float(valence), float(arousal)
    label, confidence, note = decide_label(v, a, min_confidence)
    explanation = [Contribution(feature, float(c), axis) for (axis, feature), c in contributions.items()
                   if abs(float(c)) >= 5e-4]
    explanation.sort(key=lambda c: -abs(c.contribution))
    return Score(v, a, label, confidence, explanation, note=note)


def fit_terms(values: list[dict[str, float]], valence: np.ndarray, arousal: np.ndarray,
              terms: tuple[Term, ...] | None = None, ridge: float | dict[str, float] | None = None
              ) -> tuple[Term, ...]:
    """``terms`` with their fitted weights refitted to people's ratings of shots.

    Args:
        values: Each shot's features.
        valence: People's valence of each shot, -1..1.
        arousal: People's arousal of each shot, 0..1 (``AROUSAL_SCALE`` for 0/1/2 ratings).

    The sums are fitted to atanh of the ratings (the inverse of the squashing)
    by non-negative least squares on the terms multiplied by their prior signs,
    with a ridge pull towards each term's prior weight: a term the dev set says
    nothing about (cut rate: the dev sequences cut at an even pace; loudness: a
    lecture laid over unrelated pictures) keeps its prior. Hand-set terms stay as
    they are and their push is taken off the target first.
    """
    from scipy.optimize import nnls

    terms = TERMS if terms is None else terms
    ridges = dict(RIDGE) if ridge is None else ridge if isinstance(ridge, dict) else dict.fromkeys(RIDGE, ridge)
    targets = {"valence": np.arctanh(np.clip(np.asarray(valence, float), -0.95, 0.95)),
               "arousal": np.arctanh(np.clip(2 * np.asarray(arousal, float) - 1, -0.95, 0.95))}
    columns = {k: np.asarray(v, float) for k, v in _stack(values).items()}
    fitted = list(terms)
    for axis, y in targets.items():
        idx = [i for i, t in enumerate(terms) if t.axis == axis and t.fitted]
        fixed = [t for t in terms if t.axis == axis and not t.fitted]
        y = y - sum((_term_values(t, columns) for t in fixed), np.zeros(len(y)))
        if not idx:
            continue
        priors = np.array([terms[i].prior if terms[i].prior is not None else terms[i].weight for i in idx])
        signs = np.where(priors < 0, -1.0, 1.0)
        X = np.stack([_unit_values(terms[i], columns) for i in idx], 1) * signs
        A = np.vstack([X, np.sqrt(ridges[axis]) * np.eye(len(idx))])
        b = np.concatenate([y, np.sqrt(ridges[axis]) * np.abs(priors)])
        w, _ = nnls(A, b)
        for i, wi, si, pi in zip(idx, w, signs, priors):
            fitted[i] = replace(terms[i], weight=float(si * wi), prior=float(pi))
    return tuple(fitted)


def choose_ridge(values: list[dict[str, float]], valence: np.ndarray, arousal: np.ndarray,
                 groups: list[str], terms: tuple[Term, ...] | None = None,
                 grid: tuple[float, ...] = RIDGE_GRID, k: int = 5) -> dict[str, float]:
    """The ridge strength per axis that ranks held-out shots best.

    Cross-validation grouped like the dev set's evaluation (``groups``: each shot's
    source film): for each strength, weights are fitted on all but one fold and the
    held-out shots ranked; the strength with the highest pooled Spearman wins (the
    stronger one on a tie: closer to the priors).
    """
    from .evaluate import group_folds, spearman

    valence, arousal = np.asarray(valence, float), np.asarray(arousal, float)
    folds = group_folds(groups, k)
    best: dict[str, tuple[float, float]] = {}
    for ridge in grid:
        pred = dict(zip(("valence", "arousal"), _held_out_axes(values, valence, arousal, folds, terms, ridge)))
        for axis, truth in (("valence", valence), ("arousal", arousal)):
            rho = spearman(truth, pred[axis])
            if axis not in best or rho >= best[axis][0]:
                best[axis] = (rho, ridge)
    return {axis: ridge for axis, (_, ridge) in best.items()}


def choose_min_confidence(values: list[dict[str, float]], valence: np.ndarray, arousal: np.ndarray,
                          neutral: np.ndarray, groups: list[str], terms: tuple[Term, ...] | None = None,
                          ridge: float | dict[str, float] | None = None, most: float = 0.10,
                          grid: tuple[float, ...] = MIN_CONFIDENCE_GRID, k: int = 5) -> float:
    """The lowest emotive-label confidence that keeps people's neutral shots neutral.

    Grouped cross-validation as in ``choose_ridge``: each fold's shots are placed on the
    plane by weights fitted on the other folds; the lowest threshold of ``grid`` under
    which at most ``most`` of the shots people called neutral (``neutral``) get an
    emotive label wins, the highest of the grid when none does. Lower thresholds keep
    more emotive labels, so the lowest that meets the bound is the one to take.
    """
    from .evaluate import group_folds

    valence, arousal, neutral = np.asarray(valence, float), np.asarray(arousal, float), np.asarray(neutral, bool)
    points = np.stack(_held_out_axes(values, valence, arousal, group_folds(groups, k), terms, ridge), 1)
    if not neutral.any():
        return float(grid[0])
    for threshold in sorted(grid):
        emotive = [decide_label(v, a, threshold)[0] != "neutral" for v, a in points[neutral]]
        if np.mean(emotive) <= most:
            return float(threshold)
    return float(max(grid))


def _held_out_axes(values, valence: np.ndarray, arousal: np.ndarray, folds, terms, ridge
                   ) -> tuple[np.ndarray, np.ndarray]:
    """(valence, arousal) of every shot, each fold's placed by weights fitted on the other folds."""
    columns = _stack(values)
    out = np.zeros((2, len(values)))
    for test in folds:
        train = np.setdiff1d(np.arange(len(values)), test)
        fitted = fit_terms([values[i] for i in train], valence[train], arousal[train], terms, ridge)
        v, a, _ = axes({n: c[test] for n, c in columns.items()}, fitted)
        out[0, test], out[1, test] = v, a
    return out[0], out[1]


def _stack(values: list[dict[str, float]]) -> dict[str, np.ndarray]:
    names = values[0].keys() if values else ()
    return {n: np.array([v[n] for v in values], float) for n in names}
