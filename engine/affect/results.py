"""What emotion scoring returns: plain dataclasses that import nothing heavy.

They cross the process boundary from the analysis worker to the GUI, where unpickling them
must not pull in OpenCV or SciPy (a second of GIL-held imports on the GUI thread).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from . import default_model
from .default_model import Contribution

if TYPE_CHECKING:
    from .features import FeatureSet

#: Contributions listed per shot in the JSON (the rest are small).
EXPLANATION_LENGTH = 8
SMOOTHING_S = 1.5


@dataclass
class EmotionCurve:
    """Per-frame valence ([-1, 1]) and arousal ([0, 1]), one value per frame of the file."""

    valence: np.ndarray
    arousal: np.ndarray
    smoothing_s: float = SMOOTHING_S


@dataclass
class ShotEmotion:
    """One shot's emotion and why.

    Attributes:
        valence: -1 (unpleasant) .. 1 (pleasant), default model.
        arousal: 0 (still) .. 1 (excited), default model.
        label: Editorial label; from the learned model when it is active.
        confidence: Probability of ``label`` under the model that chose it.
        explanation: Largest contributions first (``target`` says which score they move).
        features: Every measured feature.
        model: "default" or "learned".
        note: Why the label is what it is when that is not obvious (a neutral
            fallback says which emotive label was not clear enough).
    """

    start_frame: int
    end_frame: int
    valence: float
    arousal: float
    label: str
    confidence: float
    explanation: list[Contribution]
    features: dict[str, float]
    shot_scale: str | None = None
    palette: list[tuple[str, float]] = field(default_factory=list)
    model: str = default_model.MODEL_NAME
    note: str = ""

    @property
    def uncertain(self) -> bool:
        """Shown as a guess: faded on the timeline, "uncertain" in the inspector."""
        from .labels import is_uncertain

        return is_uncertain(self.confidence)

    def to_json(self) -> dict:
        """The CLI's per-shot JSON object."""
        return {
            "start_frame": self.start_frame,
            "end_frame": self.end_frame,
            "valence": round(self.valence, 4),
            "arousal": round(self.arousal, 4),
            "label": self.label,
            "confidence": round(self.confidence, 4),
            "uncertain": self.uncertain,
            "note": self.note,
            "explanation": [c.to_json() for c in self.explanation[:EXPLANATION_LENGTH]],
            "features": {k: round(float(v), 5) for k, v in self.features.items()},
            "shot_scale": self.shot_scale,
            "palette": [c for c, _ in self.palette],
            "model": self.model,
        }


@dataclass
class EmotionResult:
    """Emotion of every shot of one file and the frame-accurate curve.

    Attributes:
        agreement: Cross-validated agreement of the learned model with the
            editor's labels when it made the labels, else None.
        timings: Seconds per stage.
    """

    path: Path
    fps: Fraction
    frame_count: int
    shots: list[ShotEmotion]
    curve: EmotionCurve
    has_sound: bool
    model: str
    agreement: float | None
    features: FeatureSet | None = field(repr=False)  # per-frame tracks; None once shipped
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    def to_json(self, file: str | None = None) -> dict:
        """The CLI's JSON object for one file."""
        return {"file": str(file if file is not None else self.path),
                "fps": str(self.fps), "frame_count": self.frame_count,
                "model": self.model, "agreement": self.agreement, "has_sound": self.has_sound,
                "shots": [s.to_json() for s in self.shots], "warnings": list(self.warnings)}
