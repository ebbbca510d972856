"""The timeline: shots coloured by emotion, the emotion curve, markers and proposal tracks.

``TimelineModel`` (Qt-free, evented) holds what is shown; ``TimelineView`` draws it
and writes the editor's clicks back into the model.
"""
from .content import Marker
from .model import ShotEmotion, TimelineModel, timecode

__all__ = ["Marker", "ShotEmotion", "TimelineModel", "TimelineView", "timecode"]


def __getattr__(name: str):
    # The view imports Qt; keep `from desktop.timeline import TimelineModel` Qt-free.
    if name == "TimelineView":
        from .view import TimelineView
        return TimelineView
    raise AttributeError(name)
