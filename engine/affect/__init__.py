"""Affect from pictures: face detection and facial-expression recognition.

``faces`` finds frontal faces with OpenCV's Haar cascade and cuts the 64x64 crops
the way the ``fer`` package does; ``expressions`` classifies them with our torch
port of fer's mini-Xception FER2013 model (``fer_model``), weights in
``resources/models/fer_mini_xception.safetensors``.
"""
from __future__ import annotations

from .expressions import ExpressionClassifier, classify_expressions, get_classifier
from .faces import Face, FaceDetector, detect_faces, fer_crop, fer_crops, shot_scale
from .fer_model import EMOTIONS, MiniXception

__all__ = [
    "EMOTIONS",
    "ExpressionClassifier",
    "Face",
    "FaceDetector",
    "MiniXception",
    "classify_expressions",
    "detect_faces",
    "fer_crop",
    "fer_crops",
    "get_classifier",
    "shot_scale",
]
