"""What the timeline shows, as a Qt-free evented model, plus timecode for its ruler.

Views connect ``model.events.<field>`` and write back by assigning fields; nothing
here imports Qt, so controllers and tests drive the timeline without a display.
Containers are replaced, never mutated in place: assigning a new list or dict is
what emits the event.
"""
from __future__ import annotations

import operator
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, NamedTuple

import numpy as np
from psygnal import evented

from engine.timeline.rates import supports_drop_frame, to_timecode

EMOTION_LABELS = ("calm", "tender", "joyful", "tense", "suspense", "sad", "action", "neutral")


class ShotEmotion(NamedTuple):
    """One shot's emotion as the emotion engine scores it."""

    label: str
    valence: float  # -1 … 1
    arousal: float  # 0 … 1
    confidence: float  # 0 … 1


# numpy arrays and OTIO objects have no boolean ``==``: a new object is new data.
_BY_IDENTITY = {name: operator.is_ for name in ("valence", "arousal", "thumbnails", "proposal",
                                                "timeline", "waveforms")}


@evented(equality_operators=_BY_IDENTITY)
@dataclass(eq=False)
class TimelineModel:
    """Everything the timeline view draws; each field has ``events.<field>``.

    Attributes:
        rate: Exact frame rate (``Fraction(30000, 1001)`` for 29.97).
        length: Frames in the timeline.
        shots: ``(start_frame, end_frame)`` inclusive, sorted; neighbours overlap by a
            dissolve's frames (``engine.shots.Shot`` tuples fit as they are).
        transitions: ``(type, start_frame, end_frame)`` with type cut|dissolve|fade.
        emotions: Shot index → ``ShotEmotion``; shots missing here are unscored.
        valence: Per-frame valence (float array, ``length`` long) or None.
        arousal: Per-frame arousal, as ``valence``.
        thumbnails: Shot index → HxWx3 uint8 RGB image.
        proposal: The current proposal, an ``opentimelineio.schema.Timeline``, or None;
            when set, all its tracks are drawn as lanes under the emotion curve.
        timeline: The OTIO timeline on screen: the current clip's breakdown (or the
            current proposal). Its video tracks above V1 become lanes above the shots, and
            its timeline, track and clip markers are drawn (see ``content``). While a
            proposal is set, the proposal is what is drawn.
        revision: Bumped by whoever edits ``timeline`` (or ``proposal``) in place: OTIO
            objects emit nothing, so this is the view's cue to read them again.
        waveforms: Audio lane name (``"A1"``, ``"A2"``) → peak levels 0…1 spread evenly
            over frames ``[0, length)`` (one per frame, or per any number of samples).
        playhead: Current frame.
        selected_shot: Index into ``shots`` or None.
        in_point: In mark (frame) or None.
        out_point: Out mark (frame, inclusive) or None.
    """

    rate: Fraction = Fraction(24)
    length: int = 0
    shots: list[tuple[int, int]] = field(default_factory=list)
    transitions: list[tuple[str, int, int]] = field(default_factory=list)
    emotions: dict[int, ShotEmotion] = field(default_factory=dict)
    valence: np.ndarray | None = None
    arousal: np.ndarray | None = None
    thumbnails: dict[int, np.ndarray] = field(default_factory=dict)
    proposal: Any = None
    timeline: Any = None
    revision: int = 0
    waveforms: dict[str, np.ndarray] = field(default_factory=dict)
    playhead: int = 0
    selected_shot: int | None = None
    in_point: int | None = None
    out_point: int | None = None

    def load_shot_list(self, shot_list) -> None:
        """Takes rate, length, shots and transitions from an ``engine.shots.ShotList``.

        Per-shot data keyed by index (emotions, thumbnails, selection) belongs to the old
        shots, so it is cleared.
        """
        self.selected_shot = None
        self.emotions = {}
        self.thumbnails = {}
        self.rate = Fraction(shot_list.fps)
        self.length = int(shot_list.frame_count)
        self.transitions = [(str(t[0]), int(t[1]), int(t[2])) for t in shot_list.transitions]
        self.shots = [(int(s[0]), int(s[1])) for s in shot_list.shots]

    def update_emotions(self, scores: Mapping[int, ShotEmotion]) -> None:
        """Adds a batch of shot scores as they arrive from the engine (one event)."""
        self.emotions = {**self.emotions, **scores}

    def shown_timeline(self):
        """The OTIO timeline whose tracks and markers are drawn: the proposal while one is set
        (its lanes and its markers must agree), else ``timeline``."""
        return self.proposal if self.proposal is not None else self.timeline

    def clamp(self, frame: float) -> int:
        """``frame`` rounded down and held inside ``[0, length - 1]``."""
        return int(min(max(int(frame), 0), max(self.length - 1, 0)))


class ShotIndex:
    """Sorted shot bounds for bisecting: what is visible, which shot is under a frame."""

    def __init__(self, shots: list[tuple[int, int]]) -> None:
        bounds = np.asarray(shots, dtype=np.int64).reshape(-1, 2)
        self.starts = bounds[:, 0].copy()
        # Ends only ever grow along a cut list; the running max keeps bisecting safe
        # even if an overlap were ever nested.
        self.ends = np.maximum.accumulate(bounds[:, 1]) if len(bounds) else bounds[:, 1].copy()
        self.real_ends = bounds[:, 1].copy()

    def __len__(self) -> int:
        return len(self.starts)

    def visible(self, first: float, last: float) -> range:
        """Indices of shots that touch frames ``[first, last]``."""
        lo = int(np.searchsorted(self.ends, first, side="left"))
        hi = int(np.searchsorted(self.starts, last, side="right"))
        return range(lo, max(lo, hi))

    def at(self, frame: float) -> int | None:
        """The shot showing ``frame``; inside a dissolve, the nearer one of the two."""
        i = int(np.searchsorted(self.starts, frame, side="right")) - 1
        if i < 0:
            return None
        if i > 0 and self.real_ends[i - 1] >= frame:
            middle = (self.starts[i] + self.real_ends[i - 1] + 1) / 2
            if frame < middle or frame > self.real_ends[i]:
                return i - 1
        return i if frame < self.real_ends[i] + 1 else None


def timecode(frame: int, rate: Fraction | float) -> str:
    """SMPTE timecode of ``frame``: drop-frame (``HH:MM:SS;FF``) at 29.97 and 59.94."""
    return to_timecode(max(int(frame), 0), rate, drop_frame=supports_drop_frame(rate))


def step_curves(model: TimelineModel) -> tuple[np.ndarray, np.ndarray] | None:
    """Per-frame valence and arousal held at each scored shot's value (NaN elsewhere).

    Used while the engine has scored shots but no per-frame curve: the lane then shows
    the real per-shot scores as steps.
    """
    if not model.emotions or model.length <= 0:
        return None
    valence = np.full(model.length, np.nan, np.float32)
    arousal = np.full(model.length, np.nan, np.float32)
    for index, score in model.emotions.items():
        if 0 <= index < len(model.shots):
            start, end = model.shots[index]
            valence[start:end + 1] = score.valence
            arousal[start:end + 1] = score.arousal
    return valence, arousal
