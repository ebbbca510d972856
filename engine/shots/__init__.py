"""Shot-boundary detection with TransNetV2: shots, and cuts, dissolves and fades between them.

``shots_job`` is the long job (a generator yielding progress); ``detect_shots`` its
blocking form; ``detect_in_frames`` works on frames already decoded to 48x27.
"""
from .boundaries import Thresholds
from .detector import ANALYSER, VERSION, detect_in_frames, detect_shots, shots_job
from .result import Shot, ShotList, Transition
from .scoring import ScoringPlan

__all__ = [
    "ANALYSER",
    "VERSION",
    "ScoringPlan",
    "Shot",
    "ShotList",
    "Thresholds",
    "Transition",
    "detect_in_frames",
    "detect_shots",
    "shots_job",
]
