"""What an import read and what it could not: the report shown to the editor."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import opentimelineio as otio

from engine.timeline import model, rates


@dataclass
class Unsupported:
    """Collects "could not read" lines, merging repeats into one line with a count."""

    counts: Counter = field(default_factory=Counter)
    places: dict[str, list[str]] = field(default_factory=dict)

    def add(self, what: str, place: str | None = None) -> None:
        """One element not kept; ``place`` says where (a timecode, a track, a clip name)."""
        self.counts[what] += 1
        if place:
            self.places.setdefault(what, []).append(place)

    def lines(self) -> list[str]:
        result = []
        for what, n in self.counts.items():
            places = self.places.get(what, [])
            shown = ", ".join(places[:10]) + (", ..." if len(places) > 10 else "")
            if n == 1:
                result.append(f"{what} ({shown})" if shown else what)
            else:
                result.append(f"{what} (x{n}: {shown})" if shown else f"{what} (x{n})")
        return result


def count_markers(timeline: otio.schema.Timeline) -> int:
    """Markers on the timeline's stack and on every item below it, nested ones included."""
    total = len(timeline.tracks.markers)
    for item in timeline.tracks.find_children():
        total += len(getattr(item, "markers", ()))
    return total


def summary(timeline: otio.schema.Timeline, unsupported: list[str] = ()) -> dict:
    """The CLI's ``--json`` entry for one timeline."""
    return {
        "name": timeline.name,
        "rate": rates.rate_string(model.timeline_rate(timeline)),
        "drop_frame": model.drop_frame(timeline),
        "video_tracks": len(timeline.video_tracks()),
        "audio_tracks": len(timeline.audio_tracks()),
        "clips": sum(1 for _ in timeline.find_clips()),
        "transitions": sum(1 for _ in timeline.find_children(descended_from_type=otio.schema.Transition)),
        "markers": count_markers(timeline),
        "tracks": [_track_summary(t) for t in timeline.tracks if isinstance(t, otio.schema.Track)],
        "unsupported": list(unsupported),
    }


def _track_summary(track: otio.schema.Track) -> dict:
    return {
        "name": track.name,
        "kind": track.kind,
        "clips": sum(1 for _ in track.find_clips()),
        "transitions": sum(1 for _ in track.find_children(descended_from_type=otio.schema.Transition)),
        "markers": len(track.markers) + sum(len(getattr(i, "markers", ())) for i in track.find_children()),
    }
