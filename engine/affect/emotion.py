"""``emotion_job``: features, scores, explanations and the curve of one file.

Scores are recomputed from the (cached) features every time: they cost
microseconds, and the editor's newest labels must show at once.
"""
from __future__ import annotations

import time
from os import PathLike
from pathlib import Path

import numpy as np

from engine.jobs import Job, scaled

from . import default_model
from .curve import emotion_curve
from .features import FeatureSet, features_job
from .learned import SURE
from .results import EXPLANATION_LENGTH, EmotionResult, ShotEmotion  # noqa: F401 - re-exported

_DEFAULT_CACHE = object()


def emotion_job(path: str | PathLike[str], shots, info=None, cache=_DEFAULT_CACHE, device=None,
                learned=_DEFAULT_CACHE, frames=None, sound_tap=None) -> Job[EmotionResult]:
    """Score every shot of ``path``; a generator yielding (fraction, message).

    Args:
        path: The video file.
        shots: Its ``engine.shots.ShotList``.
        info: Its ``MediaInfo`` (probed when None).
        cache: An ``AnalysisCache``; the user's by default, None for none.
        device: Torch device for the expression model (CUDA when available by default).
        learned: A ``LearnedModel`` or None; by default the user's saved one.
        frames: A ``PictureMeter`` already fed every frame (see ``features_job``).
        sound_tap: Another analyser the sound decode feeds too (see ``features_job``).

    Raises:
        MediaError: the video cannot be decoded.
    """
    path = Path(path)
    if cache is _DEFAULT_CACHE:
        from engine.cache.store import AnalysisCache

        cache = AnalysisCache()
    if learned is _DEFAULT_CACHE:
        from .learned import saved_model

        learned = saved_model()
    features = yield from scaled(features_job(path, shots, info, cache, device, frames, sound_tap), 0.0, 0.97)
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
            mine = learned.score(shot.values, s.valence, s.arousal)
            s = mine if mine.confidence >= SURE else s
        out.append(ShotEmotion(shot.start_frame, shot.end_frame, s.valence, s.arousal, s.label,
                               s.confidence, s.explanation, dict(shot.values), shot.shot_scale,
                               list(shot.palette), s.model, s.note))
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
