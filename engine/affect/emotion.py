"""``emotion_job``: features, scores, explanations and the curve of one file.

Scores are recomputed from the (cached) features every time: they cost
microseconds, and the editor's newest labels must show at once.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction
from os import PathLike
from pathlib import Path

import numpy as np

from engine.jobs import Job, scaled

from . import default_model
from .curve import EmotionCurve, emotion_curve
from .default_model import Contribution
from .features import FeatureSet, features_job

_DEFAULT_CACHE = object()
#: Contributions listed per shot in the JSON (the rest are small).
EXPLANATION_LENGTH = 8


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

    def to_json(self) -> dict:
        """The CLI's per-shot JSON object."""
        return {
            "start_frame": self.start_frame,
            "end_frame": self.end_frame,
            "valence": round(self.valence, 4),
            "arousal": round(self.arousal, 4),
            "label": self.label,
            "confidence": round(self.confidence, 4),
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
    features: FeatureSet = field(repr=False)
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    def to_json(self, file: str | None = None) -> dict:
        """The CLI's JSON object for one file."""
        return {"file": str(file if file is not None else self.path),
                "fps": str(self.fps), "frame_count": self.frame_count,
                "model": self.model, "agreement": self.agreement, "has_sound": self.has_sound,
                "shots": [s.to_json() for s in self.shots], "warnings": list(self.warnings)}


def emotion_job(path: str | PathLike[str], shots, info=None, cache=_DEFAULT_CACHE, device=None,
                learned=_DEFAULT_CACHE) -> Job[EmotionResult]:
    """Score every shot of ``path``; a generator yielding (fraction, message).

    Args:
        path: The video file.
        shots: Its ``engine.shots.ShotList``.
        info: Its ``MediaInfo`` (probed when None).
        cache: An ``AnalysisCache``; the user's by default, None for none.
        device: Torch device for the expression model (CUDA when available by default).
        learned: A ``LearnedModel`` or None; by default the user's saved one.

    Raises:
        MediaError: the video cannot be decoded.
    """
    path = Path(path)
    if cache is _DEFAULT_CACHE:
        from engine.project.cache import AnalysisCache

        cache = AnalysisCache()
    if learned is _DEFAULT_CACHE:
        from .learned import LearnedModel

        learned = LearnedModel.load()
    features = yield from scaled(features_job(path, shots, info, cache, device), 0.0, 0.97)
    t = time.perf_counter()
    result = score_features(path, features, learned)
    result.timings["emotion"] = time.perf_counter() - t
    yield 1.0, f"{path.name}: emotion of {len(result.shots)} shots"
    return result


def score_features(path: Path, features: FeatureSet, learned=None) -> EmotionResult:
    """Scores, explanations and curve from measured features."""
    use_learned = learned is not None and learned.active
    out = []
    for shot in features.shots:
        s = default_model.score(shot.values)
        if use_learned:
            s = learned.score(shot.values, s.valence, s.arousal)
        out.append(ShotEmotion(shot.start_frame, shot.end_frame, s.valence, s.arousal, s.label,
                               s.confidence, s.explanation, dict(shot.values), shot.shot_scale,
                               list(shot.palette), s.model))
    warnings = list(features.warnings)
    if not features.has_sound:
        warnings.append("no audio: sound features not measured (reported as silence, left out of the scores)")
    return EmotionResult(path, features.fps, features.frame_count, out, emotion_curve(features),
                         features.has_sound, "learned" if use_learned else "default",
                         learned.agreement if use_learned else None, features, warnings,
                         dict(features.timings))


def shot_at(result: EmotionResult, frame: int) -> int:
    """Index of the shot holding ``frame`` (the later one inside a dissolve)."""
    starts = np.array([s.start_frame for s in result.shots])
    return int(max(0, np.searchsorted(starts, frame, side="right") - 1))
