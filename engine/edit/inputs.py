"""What the proposer needs to know about each shot, and the adapter that builds it.

:class:`AnalysedShot` is plain data on purpose: the proposer, its tests and the
benchmark build it without decoding anything, and whatever analyser produces emotion,
motion, faces and speech only needs a small adapter onto these fields.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

#: Emotion assumed for a shot nobody scored: the middle of the plane, with no confidence,
#: so it neither serves nor spoils any arc point and explanations can say it is unscored.
NEUTRAL_VALENCE = 0.0
NEUTRAL_AROUSAL = 0.5
NEUTRAL_LABEL = "neutral"

FrameRange = tuple[int, int]


@dataclass
class AnalysedShot:
    """One shot of one source file, as the proposer sees it.

    All frame numbers are frames of the source file at ``rate``, ranges inclusive
    (like ``engine.shots.Shot``).

    Attributes:
        path: Source media file.
        rate: Source frame rate (exact).
        start_frame: First frame of the shot (transition frames included).
        end_frame: Last frame of the shot (inclusive).
        index: The shot's number in its file (0-based); identifies repeats.
        valence: -1 (unpleasant) .. 1 (pleasant).
        arousal: 0 (still) .. 1 (excited).
        label: Editorial emotion label ("tense", "calm"...).
        confidence: 0..1, how sure the emotion model is (0: unscored).
        motion_peaks: Frames with a burst of motion: preferred cut points (cut on action).
        face_frames: Frames where a face was seen; a range holds on them when it covers them.
        face_count: Most faces seen in one frame.
        face_scale: Size of the largest face over frame height (0 without faces).
        speech: Frame ranges with speech; no cut may fall strictly inside one.
        avoid: Frame ranges no chosen range may touch (dissolves and fades into and out
            of the shot: they show the neighbouring shot too).
        histogram: Colour histogram or image embedding (any fixed-length vector) for
            jump-cut checks; None when unknown.
        must_use: The proposal has to contain this shot.
        excluded: The proposal must not contain this shot.
        has_audio: Whether the source has sound (an A1 clip, else a gap).
        extra: Anything else an adapter wants to keep (shown in explanations, ignored here).
    """

    path: Path
    rate: Fraction
    start_frame: int
    end_frame: int
    index: int = 0
    valence: float = NEUTRAL_VALENCE
    arousal: float = NEUTRAL_AROUSAL
    label: str = NEUTRAL_LABEL
    confidence: float = 0.0
    motion_peaks: list[int] = field(default_factory=list)
    face_frames: list[int] = field(default_factory=list)
    face_count: int = 0
    face_scale: float = 0.0
    speech: list[FrameRange] = field(default_factory=list)
    avoid: list[FrameRange] = field(default_factory=list)
    histogram: np.ndarray | None = field(default=None, repr=False)
    must_use: bool = False
    excluded: bool = False
    has_audio: bool = True
    extra: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def frames(self) -> int:
        """Length in frames."""
        return self.end_frame - self.start_frame + 1

    @property
    def key(self) -> tuple[str, int, int]:
        """Identity of the shot across proposals and feedback."""
        return str(self.path), self.start_frame, self.end_frame

    def usable(self) -> FrameRange | None:
        """The shot's frames without the ``avoid`` ranges at its head and tail.

        An avoided range in the middle of a shot (rare: a flash detected as a transition)
        keeps the longer side.
        """
        first, last = self.start_frame, self.end_frame
        for a, b in sorted(self.avoid):
            if b < first or a > last:
                continue
            if a <= first:
                first = b + 1
            elif b >= last:
                last = a - 1
            elif (a - first) >= (last - b):
                last = a - 1
            else:
                first = b + 1
        return (first, last) if last >= first else None


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if obj is None:
        return default
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


# How the shot detector's `shot_scale` words map to a face size, for adapters that have
# only the word: the midpoints of engine.affect.faces' bands.
SCALE_WORDS = {"close-up": 0.4, "medium": 0.18, "wide": 0.06}


def from_shot_list(path: str | Path, shot_list, emotions: Sequence[Any] | Mapping | None = None, *,
                   must_use: Iterable[int] = (), excluded: Iterable[int] = (),
                   has_audio: bool = True) -> list[AnalysedShot]:
    """AnalysedShots for the shots of one file.

    Args:
        path: The media file the shots belong to.
        shot_list: An ``engine.shots.ShotList`` (or anything with ``fps``, ``shots`` and
            ``transitions`` shaped like it).
        emotions: Per-shot facts, one per shot in order, or a mapping from shot index or
            ``(start_frame, end_frame)`` to them. Each is a dict or an object with any of
            ``valence``, ``arousal``, ``label``, ``confidence``, ``motion_peaks``,
            ``face_frames``, ``face_count``, ``face_scale`` (or ``shot_scale`` as
            "close-up"/"medium"/"wide"), ``speech`` (list of frame ranges), ``histogram``
            (or ``embedding``), ``must_use``, ``excluded``. Missing facts take neutral
            defaults: valence 0, arousal 0.5, label "neutral", confidence 0, no motion
            peaks, no faces, no speech, no histogram.
        must_use: Shot indices that have to appear.
        excluded: Shot indices that must not appear.
        has_audio: Whether the file has sound.
    """
    path = Path(path)
    rate = Fraction(shot_list.fps)
    must, out = set(must_use), set(excluded)
    result = []
    for i, shot in enumerate(shot_list.shots):
        start, end = int(shot[0]), int(shot[1])
        facts = _facts_for(emotions, i, start, end)
        avoid = []
        for t in _transitions_touching(shot_list.transitions, i):
            if t[0] != "cut":  # a cut has no frames to avoid; dissolves and fades do
                avoid.append((int(t[1]), int(t[2])))
        scale = _get(facts, "face_scale")
        if scale is None:
            scale = SCALE_WORDS.get(_get(facts, "shot_scale") or "", 0.0)
        faces = [int(f) for f in _get(facts, "face_frames", None) or []]
        histogram = _get(facts, "histogram")
        if histogram is None:
            histogram = _get(facts, "embedding")
        result.append(AnalysedShot(
            path=path, rate=rate, start_frame=start, end_frame=end, index=i,
            valence=float(_get(facts, "valence", NEUTRAL_VALENCE)),
            arousal=float(_get(facts, "arousal", NEUTRAL_AROUSAL)),
            label=str(_get(facts, "label", NEUTRAL_LABEL) or NEUTRAL_LABEL),
            confidence=float(_get(facts, "confidence", 0.0)),
            motion_peaks=sorted(int(f) for f in _get(facts, "motion_peaks", None) or []),
            face_frames=faces,
            face_count=int(_get(facts, "face_count", 1 if faces else 0) or 0),
            face_scale=float(scale or 0.0),
            speech=[(int(a), int(b)) for a, b in _get(facts, "speech", None) or []],
            avoid=avoid,
            histogram=None if histogram is None else np.asarray(histogram, np.float32),
            must_use=i in must or bool(_get(facts, "must_use", False)),
            excluded=i in out or bool(_get(facts, "excluded", False)),
            has_audio=has_audio,
        ))
    return result


def _facts_for(emotions, i: int, start: int, end: int):
    if emotions is None:
        return None
    if isinstance(emotions, Mapping):
        return emotions.get(i, emotions.get((start, end)))
    return emotions[i] if i < len(emotions) else None


def _transitions_touching(transitions, i: int):
    # transitions[i - 1] leads into shot i, transitions[i] out of it.
    if i > 0 and i - 1 < len(transitions):
        yield transitions[i - 1]
    if i < len(transitions):
        yield transitions[i]
