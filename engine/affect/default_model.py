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

from .labels import decide_label

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
        """The term's value at weight 1."""
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
    Term("brightness", "valence", 0.268, 0.45, 0.15, prior=0.30),
    Term("saturation", "valence", 0.144, 0.30, 0.15, prior=0.10),
    Term("colourfulness", "valence", 0.083, 0.35, 0.20, prior=0.10),
    Term("warmth", "valence", 0.036, 0.0, 0.10, prior=0.10),
    Term("camera_shake", "valence", -0.118, 0.0, 0.02, prior=-0.05),
    Term("expr_happy", "valence", 0.6, 0.0, 0.5, fitted=False),
    Term("expr_surprise", "valence", 0.15, 0.0, 0.5, fitted=False),
    Term("expr_sad", "valence", -0.6, 0.0, 0.5, fitted=False),
    Term("expr_angry", "valence", -0.45, 0.0, 0.5, fitted=False),
    Term("expr_fear", "valence", -0.45, 0.0, 0.5, fitted=False),
    Term("expr_disgust", "valence", -0.45, 0.0, 0.5, fitted=False),
    Term("tempo", "valence", 0.069, 0.0, 40.0, gate="has_sound", prior=0.06),
    # arousal
    Term("motion", "arousal", 0.453, np.log10(0.06), 0.5, "log10", prior=0.35),
    Term("subject_motion", "arousal", 0.056, np.log10(0.04), 0.5, "log10", prior=0.10),
    Term("motion_burst", "arousal", 0.131, np.log10(0.08), 0.5, "log10", prior=0.10),
    Term("motion_peaks", "arousal", 0, 0.0, 0.5, "per_second", prior=0.10),
    Term("camera_shake", "arousal", 0, 0.0, 0.02, prior=0.10),
    Term("cut_rate", "arousal", 0.018, np.log2(15.0), 1.0, "log2", prior=0.25),
    # Loud music and effects raise arousal; speech at a narrator's or a conversation's
    # ordinary level does not (the dev set's lecture bed over calm pictures shows it), and
    # digital silence is sound missing (a clip without audio cut into a sequence with
    # sound), not a quiet scene: the silence term below says what silence says.
    # Hand-set: the dev set has almost no loud music or effects to fit it on (its films
    # are silent or quiet ambience), and a fit on it would all but switch sound off.
    Term("loudness", "arousal", 0.30, -23.0, 8.0, gate="has_sound*~speech*~silence", fitted=False),
    Term("onset_rate", "arousal", 0.053, 2.0, 2.0, gate="has_sound", prior=0.10),
    Term("silence", "arousal", -0.136, gate="has_sound", prior=-0.10),
    Term("saturation", "arousal", 0.033, 0.30, 0.15, prior=0.10),
    Term("brightness", "arousal", -0.152, 0.45, 0.15, prior=-0.05),
    Term("expr_angry", "arousal", 0.3, 0.0, 0.5, fitted=False),
    Term("expr_fear", "arousal", 0.3, 0.0, 0.5, fitted=False),
    Term("expr_surprise", "arousal", 0.3, 0.0, 0.5, fitted=False),
    Term("expr_sad", "arousal", -0.2, 0.0, 0.5, fitted=False),
)
# The tempo term's centre: music at 100 BPM is neither bright nor dark.
TEMPO_CENTRE = 100.0
#: Human arousal ratings 0 (still), 1 (some energy), 2 (intense) on the model's 0..1 scale.
AROUSAL_SCALE = (0.2, 0.5, 0.8)
# Ridge strength of ``fit_terms`` towards the priors (against ~150 shots of squared error):
# chosen on held-out folds (benchmarks/emotion.py), strong enough that the dev set's
# ten films cannot talk a term out of its physical sense.
RIDGE = 50.0


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


def score(values: dict[str, float], terms: tuple[Term, ...] | None = None) -> Score:
    """The default model's score of one shot's features (``features.FEATURE_NAMES``).

    ``terms`` replaces ``TERMS`` (a cross-validation fold's fit).
    """
    valence, arousal, contributions = axes(values, terms)
    v, a = float(valence), float(arousal)
    label, confidence, note = decide_label(v, a)
    explanation = [Contribution(feature, float(c), axis) for (axis, feature), c in contributions.items()
                   if abs(float(c)) >= 5e-4]
    explanation.sort(key=lambda c: -abs(c.contribution))
    return Score(v, a, label, confidence, explanation, note=note)


def fit_terms(values: list[dict[str, float]], valence: np.ndarray, arousal: np.ndarray,
              terms: tuple[Term, ...] | None = None, ridge: float = RIDGE) -> tuple[Term, ...]:
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
        A = np.vstack([X, np.sqrt(ridge) * np.eye(len(idx))])
        b = np.concatenate([y, np.sqrt(ridge) * np.abs(priors)])
        w, _ = nnls(A, b)
        for i, wi, si, pi in zip(idx, w, signs, priors):
            fitted[i] = replace(terms[i], weight=float(si * wi), prior=float(pi))
    return tuple(fitted)


def _stack(values: list[dict[str, float]]) -> dict[str, np.ndarray]:
    names = values[0].keys() if values else ()
    return {n: np.array([v[n] for v in values], float) for n in names}
