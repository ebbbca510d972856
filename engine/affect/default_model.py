"""The transparent default emotion model: weighted terms, each a feature's push.

After Hanjalic & Xu (2005): arousal from motion activity, editing rhythm (cut
rate) and sound energy; valence from colour and brightness (Valdez & Mehrabian
1994: brightness raises pleasure, saturation raises arousal), the faces'
expressions and, where music plays, its tempo. Every term is
``weight * clip((feature - centre) / scale, -2, 2)``, so a feature at its centre
says nothing and none can shout down the others. The sums go through tanh:
valence = tanh(sum), arousal = 0.5 + 0.5 tanh(sum); each term's contribution is
scaled by the same factor, so the contributions add up exactly to the score
(arousal above its 0.5 baseline).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .labels import nearest_label

MODEL_NAME = "default"


@dataclass(frozen=True)
class Term:
    """One feature's push on one axis."""

    feature: str
    axis: str  # "valence" or "arousal"
    weight: float
    centre: float = 0.0
    scale: float = 1.0
    transform: str = "linear"  # "linear", "log10" (of value + 0.01), "log2" (of max(value, 1))
    gate: str | None = None  # multiply by this feature (face presence, sound presence)

    def value(self, values) -> np.ndarray:
        x = np.asarray(values[self.feature], float)
        if self.transform == "log10":
            x = np.log10(np.maximum(x, 0) + 0.01)
        elif self.transform == "log2":
            x = np.log2(np.maximum(x, 1.0))
        elif self.transform == "per_second":
            x = x / np.maximum(np.asarray(values["shot_length"], float), 0.5)
        c = self.weight * np.clip((x - self.centre) / self.scale, -2.0, 2.0)
        if self.gate is not None:
            c = c * np.asarray(values[self.gate], float)
        return c


# Centres are ordinary footage (measured on the shared sequences and on broadcast
# norms for sound: -23 LUFS); scales are roughly "clearly more than ordinary".
TERMS: tuple[Term, ...] = (
    # valence
    Term("brightness", "valence", 0.30, 0.45, 0.15),
    Term("saturation", "valence", 0.10, 0.30, 0.15),
    Term("colourfulness", "valence", 0.10, 0.35, 0.20),
    Term("warmth", "valence", 0.10, 0.0, 0.10),
    Term("face_happy", "valence", 0.80, gate="face_frames"),
    Term("face_surprise", "valence", 0.20, gate="face_frames"),
    Term("face_sad", "valence", -0.80, gate="face_frames"),
    Term("face_angry", "valence", -0.60, gate="face_frames"),
    Term("face_fear", "valence", -0.60, gate="face_frames"),
    Term("face_disgust", "valence", -0.60, gate="face_frames"),
    Term("tempo", "valence", 0.06, 0.0, 40.0, gate="has_sound"),
    # arousal
    Term("motion", "arousal", 0.35, np.log10(0.06), 0.5, "log10"),
    Term("motion_peaks", "arousal", 0.10, 0.0, 0.5, "per_second"),
    Term("cut_rate", "arousal", 0.25, np.log2(15.0), 1.0, "log2"),
    Term("loudness", "arousal", 0.30, -23.0, 8.0, gate="has_sound"),
    Term("onset_rate", "arousal", 0.10, 2.0, 2.0, gate="has_sound"),
    Term("silence", "arousal", -0.10, gate="has_sound"),
    Term("saturation", "arousal", 0.10, 0.30, 0.15),
    Term("brightness", "arousal", -0.05, 0.45, 0.15),
    Term("face_angry", "arousal", 0.30, gate="face_frames"),
    Term("face_fear", "arousal", 0.30, gate="face_frames"),
    Term("face_surprise", "arousal", 0.30, gate="face_frames"),
    Term("face_sad", "arousal", -0.20, gate="face_frames"),
)
# The tempo term's centre: music at 100 BPM is neither bright nor dark.
TEMPO_CENTRE = 100.0


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


def _term_values(term: Term, values) -> np.ndarray:
    if term.feature == "tempo":
        # No beat (tempo 0) is not "slow music": it contributes nothing.
        t = np.asarray(values["tempo"], float)
        c = term.value({**values, "tempo": np.where(t > 0, t - TEMPO_CENTRE, 0.0)})
        return c
    return term.value(values)


def axes(values) -> tuple[np.ndarray, np.ndarray, dict[tuple[str, str], np.ndarray]]:
    """(valence, arousal, {(axis, feature): contribution}) for scalars or per-frame arrays."""
    raw: dict[tuple[str, str], np.ndarray] = {}
    for term in TERMS:
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


def score(values: dict[str, float]) -> Score:
    """The default model's score of one shot's features (``features.FEATURE_NAMES``)."""
    valence, arousal, contributions = axes(values)
    v, a = float(valence), float(arousal)
    label, confidence = nearest_label(v, a)
    explanation = [Contribution(feature, float(c), axis) for (axis, feature), c in contributions.items()
                   if abs(float(c)) >= 5e-4]
    explanation.sort(key=lambda c: -abs(c.contribution))
    return Score(v, a, label, confidence, explanation)
