"""Editorial labels and where they sit on the valence-arousal plane.

The default model names a shot by the nearest prototype (Russell's circumplex,
read the way editors talk): calm and tender are pleasant and quiet, joyful is
pleasant and lively, tense and suspense unpleasant at high and middling energy,
sad unpleasant and still, action the most energetic whatever its valence, and
neutral the middle of the plane: a signer at a desk, an empty car park, a shot
that carries no particular feeling. Prototypes sit where the labelled dev set
(tests/data/emotion_devset) puts each label's shots on the model's scale.

A shot whose best emotive label is not clearly preferred is called neutral: an
editor who sees "suspense" on a talking head stops trusting every other label,
while "neutral" on a mildly tense shot costs little.
"""
from __future__ import annotations

import numpy as np

LABELS = ("calm", "tender", "joyful", "tense", "suspense", "sad", "action", "neutral")
EMOTIVE = tuple(label for label in LABELS if label != "neutral")
#: (valence in [-1, 1], arousal in [0, 1]) of each label's centre.
PROTOTYPES = {
    "calm": (0.4, 0.2),
    "tender": (0.55, 0.4),
    "joyful": (0.55, 0.65),
    "tense": (-0.4, 0.6),
    "suspense": (-0.2, 0.45),
    "sad": (-0.55, 0.15),
    "action": (-0.1, 0.85),
    "neutral": (0.0, 0.25),
}
# Softmax temperature on squared distance: 0.1 apart on the plane already makes
# the nearer label clearly preferred, 0.02 apart hardly.
TEMPERATURE = 0.02
#: An emotive label less likely than this gives way to "neutral": the lowest of
#: ``MIN_CONFIDENCE_GRID`` that labels at most 10 % of people's neutral shots emotive on
#: held-out folds of the dev set (``default_model.choose_min_confidence``, which
#: ``benchmarks/emotion.py`` also runs inside each training fold). Every prototype still
#: names itself.
MIN_CONFIDENCE = 0.70
MIN_CONFIDENCE_GRID = (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75)
#: Below this the app shows a label as uncertain (faded on the timeline, "uncertain" in the inspector).
UNCERTAIN = 0.5


def label_probabilities(valence: float, arousal: float) -> dict[str, float]:
    """How well each label fits a point: softmax of minus the squared distance.

    Valence spans twice arousal's range, so it is halved before measuring distance.
    """
    d2 = np.array([((valence - v) / 2) ** 2 + (arousal - a) ** 2 for v, a in PROTOTYPES.values()])
    logits = -d2 / TEMPERATURE
    p = np.exp(logits - logits.max())
    p /= p.sum()
    return dict(zip(PROTOTYPES, map(float, p)))


def decide_label(valence: float, arousal: float, min_confidence: float = MIN_CONFIDENCE) -> tuple[str, float, str]:
    """(label, confidence, why) for a point on the plane.

    The nearest prototype wins; an emotive winner below ``min_confidence`` becomes
    "neutral" with neutral's own probability as its confidence (so the app shows
    it as uncertain when it is), and ``why`` says which label was not clear enough.
    """
    probs = label_probabilities(valence, arousal)
    best = max(probs, key=probs.get)
    if best == "neutral":
        return best, probs[best], "nearest to neutral on the valence-arousal plane"
    if probs[best] < min_confidence:
        why = f"neutral: no emotive label is clear ({best} only {probs[best]:.0%}, needs {min_confidence:.0%})"
        return "neutral", probs["neutral"], why
    return best, probs[best], ""


def nearest_label(valence: float, arousal: float) -> tuple[str, float]:
    """(label, confidence) for a point on the plane, neutral when no emotive label is clear."""
    label, confidence, _ = decide_label(valence, arousal)
    return label, confidence


def is_uncertain(confidence: float) -> bool:
    """Whether a label should be shown as a guess rather than a reading."""
    return confidence < UNCERTAIN
