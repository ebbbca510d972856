"""Editorial labels and where they sit on the valence-arousal plane.

The default model names a shot by the nearest prototype (Russell's circumplex,
read the way editors talk): calm and tender are pleasant and quiet, joyful is
pleasant and lively, tense and suspense unpleasant at high and middling energy,
sad unpleasant and still, action the most energetic whatever its valence.
"""
from __future__ import annotations

import numpy as np

LABELS = ("calm", "tender", "joyful", "tense", "suspense", "sad", "action")
#: (valence in [-1, 1], arousal in [0, 1]) of each label's centre.
PROTOTYPES = {
    "calm": (0.25, 0.2),
    "tender": (0.55, 0.35),
    "joyful": (0.6, 0.7),
    "tense": (-0.45, 0.65),
    "suspense": (-0.3, 0.35),
    "sad": (-0.55, 0.15),
    "action": (0.0, 0.92),
}
# Softmax temperature on squared distance: 0.1 apart on the plane already makes
# the nearer label clearly preferred, 0.02 apart hardly.
TEMPERATURE = 0.02


def label_probabilities(valence: float, arousal: float) -> dict[str, float]:
    """How well each label fits a point: softmax of minus the squared distance.

    Valence spans twice arousal's range, so it is halved before measuring distance.
    """
    d2 = np.array([((valence - v) / 2) ** 2 + (arousal - a) ** 2 for v, a in PROTOTYPES.values()])
    logits = -d2 / TEMPERATURE
    p = np.exp(logits - logits.max())
    p /= p.sum()
    return dict(zip(PROTOTYPES, map(float, p)))


def nearest_label(valence: float, arousal: float) -> tuple[str, float]:
    """(label, confidence) for a point on the plane."""
    probs = label_probabilities(valence, arousal)
    best = max(probs, key=probs.get)
    return best, probs[best]
