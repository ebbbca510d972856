"""The emotion curve: valence and arousal at every frame, smoothed.

Each frame takes its shot's features, with the ones measured per frame
(picture, motion, momentary loudness) replaced by that frame's own values, and
goes through the default model's terms. Like Hanjalic & Xu, the raw curves are
smoothed with a Kaiser window: the viewer's mood lags and outlasts single frames.
The window is symmetric and edge-normalised, so the curve is not shifted in time
and does not sag at the clip's ends: frame k of the curve is frame k of the file.
"""
from __future__ import annotations

import numpy as np

from .default_model import axes
from .features import FEATURE_NAMES, FeatureSet
from .results import SMOOTHING_S, EmotionCurve  # noqa: F401 - re-exported

KAISER_BETA = 5.0


def frame_values(features: FeatureSet) -> dict[str, np.ndarray]:
    """Every model feature as a per-frame array."""
    n = features.frame_count
    values = {name: np.zeros(n) for name in FEATURE_NAMES}
    for shot in features.shots:
        span = slice(shot.start_frame, min(shot.end_frame, n - 1) + 1)
        for name in FEATURE_NAMES:
            values[name][span] = shot.values[name]
    for name, track in features.tracks.items():
        if name == "loudness" and not features.has_sound:
            continue
        finite = np.isfinite(track)
        # Motion is undefined on a shot's first frame; the shot's mean stands in.
        values[name] = np.where(finite, track, values[name])
    return values


def smooth(x: np.ndarray, fps: float, seconds: float = SMOOTHING_S) -> np.ndarray:
    """Kaiser-window moving average, edge-normalised, same length as ``x``."""
    x = np.asarray(x, float)
    length = max(1, int(round(seconds * fps)) | 1)
    if length == 1 or len(x) < 2:
        return x.copy()
    w = np.kaiser(length, KAISER_BETA)
    num = np.convolve(x, w, mode="same")
    den = np.convolve(np.ones_like(x), w, mode="same")
    return num / den


def emotion_curve(features: FeatureSet, seconds: float = SMOOTHING_S) -> EmotionCurve:
    """The smoothed per-frame curve of one file."""
    if features.frame_count == 0:
        return EmotionCurve(np.zeros(0), np.zeros(0), seconds)
    valence, arousal, _ = axes(frame_values(features))
    fps = float(features.fps)
    return EmotionCurve(np.clip(smooth(valence, fps, seconds), -1, 1),
                        np.clip(smooth(arousal, fps, seconds), 0, 1), seconds)
