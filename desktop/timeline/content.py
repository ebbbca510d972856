"""What an OTIO timeline holds, as frame-numbered things to draw (Qt-free).

The project's timelines are OpenTimelineIO objects; the view never walks them while
painting. These helpers turn one into lanes of blocks and a sorted list of markers,
in whole timeline frames at the model's rate, once per change.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from fractions import Fraction
from typing import NamedTuple

import numpy as np
import opentimelineio as otio

from engine.timeline import rates
from engine.timeline.model import clip_emotion, lookup

from .colors import marker_color


class Element(NamedTuple):
    """One clip of a track, as placed on the timeline."""

    start: int  # first frame on the timeline
    end: int  # last frame on the timeline, inclusive
    name: str
    kind: str | None  # a placed VFX element's kind ("element", "keyed", …), else None
    label: str | None = None  # emotion label from the clip's metadata, if it has one


class Lane(NamedTuple):
    name: str  # "V1", "V2", "A1", …: numbered per kind, the key of ``TimelineModel.waveforms``
    title: str  # the track's own name, for headers and tooltips
    audio: bool
    elements: list[Element]


class Marker(NamedTuple):
    """A named point on the timeline; ``color`` is ``#rrggbb`` or a Qt colour name.

    ``track`` is None for a timeline marker (drawn on the ruler), else the lane name
    (``"V1"``, ``"A1"``) of the track whose clip, or which itself, carries it.
    """

    frame: int
    name: str
    color: str = "#f0e442"
    track: str | None = None
    comment: str = ""


def _each(items) -> Iterator:
    """The items of an OTIO list by index: iterating one ends in a StopIteration raised
    through its C++ binding, which costs as much as reading a few markers."""
    return (items[k] for k in range(len(items)))


def _numbered(timeline: otio.schema.Timeline) -> list[tuple[str, otio.schema.Track]]:
    """``(lane name, track)`` in stack order: tracks are numbered per kind as OTIO stacks
    them (V1 is the first video track), whatever their names, as NLEs number them."""
    counts = {True: 0, False: 0}
    result = []
    for track in _each(timeline.tracks):
        if not isinstance(track, otio.schema.Track):
            continue
        audio = track.kind == otio.schema.TrackKind.Audio
        counts[audio] += 1
        result.append((f"{'A' if audio else 'V'}{counts[audio]}", track))
    return result


class _Frames:
    """``rates.frames`` at one timeline rate, remembering how each float rate snaps.

    A 5,000-shot breakdown is read again after every edit; snapping every time's float
    rate afresh, as ``rates.frames`` must, took seconds of it.
    """

    def __init__(self, rate) -> None:
        self.rate = rates.exact_rate(rate)
        self._scales: dict[float, Fraction | None] = {}  # None: the timeline's own rate

    def __call__(self, time: otio.opentime.RationalTime) -> int:
        value = time.value
        try:
            scale = self._scales[time.rate]
        except KeyError:
            exact = self.rate / rates.exact_rate(time.rate)
            scale = self._scales[time.rate] = None if exact == 1 else exact
        if scale is None and value.is_integer():
            return int(value)
        return round(Fraction(value).limit_denominator(1_000_000) * (scale or 1))


def _placed(track: otio.schema.Track, frames: _Frames) -> Iterator[tuple[otio.core.Item, int, int, int]]:
    """``(item, start, stop, source)`` per clip (gaps and transitions skipped): where it sits
    in timeline frames (``stop`` exclusive) and its first source frame, as
    ``engine.timeline.model.layout`` places it, from OTIO's own (native) range walk."""
    spans = track.range_of_all_children()
    for item in _each(track):
        if isinstance(item, (otio.schema.Gap, otio.schema.Transition)):
            continue
        span = spans[item]
        start = frames(span.start_time)
        try:
            source = frames(item.trimmed_range().start_time)
        except otio.exceptions.CannotComputeAvailableRangeError:
            source = 0  # no range and no media: its markers count from its start
        yield item, start, start + frames(span.duration), source


def _lane(name: str, track: otio.schema.Track, frames: _Frames) -> Lane:
    audio = track.kind == otio.schema.TrackKind.Audio
    elements = []
    # Every missing metadata key costs OTIO a raised exception (~20 µs; seconds over a
    # long proposal), so only what is drawn is looked up: sound is one colour, and
    # elements are placed above V1.
    for item, start, stop, _ in _placed(track, frames):
        if audio:
            elements.append(Element(start, stop - 1, item.name or "", None))
            continue
        emotion = clip_emotion(item)
        kind = lookup(item, "vfx", "kind") if name != "V1" else None
        elements.append(Element(start, stop - 1, item.name or "", str(kind) if kind else None,
                                emotion.get("label") if emotion else None))
    return Lane(name, track.name or name, audio, elements)


def track_lanes(timeline: otio.schema.Timeline | None, rate: Fraction) -> list[Lane]:
    """Every track as a lane, in NLE order: the highest video track on top, then A1, A2, …."""
    if timeline is None:
        return []
    frames = _Frames(rate)
    lanes = [_lane(name, track, frames) for name, track in _numbered(timeline)]
    video = [lane for lane in lanes if not lane.audio]
    return video[::-1] + [lane for lane in lanes if lane.audio]


def element_tracks(timeline: otio.schema.Timeline | None, rate: Fraction) -> list[Lane]:
    """The video tracks above V1 (V2, V3, … in that order), gaps skipped.

    A clip breakdown's V1 is the shots row itself; what sits above it (VFX elements
    placed by ``engine.timeline.placement``, titles) needs lanes of its own.
    """
    if timeline is None:
        return []
    frames = _Frames(rate)
    return [_lane(name, track, frames) for name, track in _numbered(timeline)
            if name[0] == "V" and name != "V1"]


def markers(timeline: otio.schema.Timeline | None, rate: Fraction) -> list[Marker]:
    """Timeline, track and clip markers at their timeline frames, sorted by frame.

    A clip's markers are in its source time (as Premiere keeps them), so each lands at
    the clip's record start plus its distance from the clip's source start; markers in
    a trimmed-off handle are not on the timeline and are left out.
    """
    if timeline is None:
        return []
    frames = _Frames(rate)
    found = [_marker(m, frames(m.marked_range.start_time), None)
             for m in _each(timeline.tracks.markers)]
    for name, track in _numbered(timeline):
        found += [_marker(m, frames(m.marked_range.start_time), name) for m in _each(track.markers)]
        for item, start, stop, source in _placed(track, frames):
            for m in _each(item.markers):
                frame = start + frames(m.marked_range.start_time) - source
                if start <= frame < stop:
                    found.append(_marker(m, frame, name))
    return sorted(found, key=lambda marker: marker.frame)


def _marker(marker: otio.schema.Marker, frame: int, track: str | None) -> Marker:
    return Marker(frame, marker.name or "", marker_color(marker.color), track, marker.comment or "")


class MarkerRows:
    """Markers grouped by the row that draws them, each group sorted for bisecting.

    Timeline markers go to ``"ruler"``; a clip or track marker to ``row_of(marker.track)``.
    """

    def __init__(self, found: Iterable[Marker], row_of: Callable[[str], str]) -> None:
        groups: dict[str, list[Marker]] = {}
        for marker in sorted(found, key=lambda m: m.frame):
            groups.setdefault("ruler" if marker.track is None else row_of(marker.track), []).append(marker)
        self.groups = groups
        self._frames = {key: np.array([m.frame for m in group], np.int64)
                        for key, group in groups.items()}

    def visible(self, row: str, first: float, last: float) -> list[Marker]:
        """The row's markers on frames ``[first, last]``."""
        return self.visible_frames(row, first, last)[0]

    def visible_frames(self, row: str, first: float, last: float) -> tuple[list[Marker], np.ndarray]:
        """The row's markers on frames ``[first, last]``, and their frames as an array."""
        frames = self._frames.get(row)
        if frames is None:
            return [], np.empty(0, np.int64)
        lo = int(np.searchsorted(frames, first, side="left"))
        hi = int(np.searchsorted(frames, last, side="right"))
        return self.groups[row][lo:hi], frames[lo:hi]

    def near(self, row: str, frame: float, reach: float) -> list[Marker]:
        """The row's markers within ``reach`` frames of ``frame`` (what a hover points at)."""
        return self.visible(row, frame - reach, frame + reach)
