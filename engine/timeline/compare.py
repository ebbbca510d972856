"""A frame-exact digest of a timeline, for "is this the same edit?" checks (tests, round trips)."""
from __future__ import annotations

import opentimelineio as otio

from engine.timeline import model, rates


def digest(timeline: otio.schema.Timeline, rate=None, *, with_markers: bool = True) -> dict:
    """Clips per track as ``(name, record in, record out, source in)`` in frames, transitions
    as ``(cut, before, after)``, and markers as ``(name, record frame, comment)``.

    Markers are compared by their record position whether they sit on a clip or on the
    timeline, because formats differ in where they can keep them (FCPXML and EDL have no
    timeline-level markers on clips' behalf and vice versa).
    """
    rate = rate or model.timeline_rate(timeline)
    result = {"video": [], "audio": [], "markers": set(), "emotions": []}
    for track in timeline.tracks:
        if not isinstance(track, otio.schema.Track):
            continue
        lay = model.layout(track, rate)
        clips = [(p.item.name, p.start, p.end, p.source) for p in lay.clips]
        transitions = [(t.cut, t.before, t.after) for t in lay.transitions]
        result["video" if track.kind == otio.schema.TrackKind.Video else "audio"].append(
            {"clips": clips, "transitions": transitions})
        for placed in lay.clips:
            emotion = model.clip_emotion(placed.item) if isinstance(placed.item, otio.schema.Clip) else None
            if emotion and track.kind == otio.schema.TrackKind.Video:
                result["emotions"].append((placed.start, emotion["label"]))
            for marker in placed.item.markers:
                at = placed.start + rates.frames(marker.marked_range.start_time, rate) - placed.source
                result["markers"].add((marker.name, at, model.marker_comment(marker)))
    for marker in timeline.tracks.markers:
        result["markers"].add((marker.name, rates.frames(marker.marked_range.start_time, rate),
                               model.marker_comment(marker)))
    if not with_markers:
        result.pop("markers")
    return result
