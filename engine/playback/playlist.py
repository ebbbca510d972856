"""A playlist maps record frames (the viewer's frame grid) to frames of source files.

A single clip is a one-segment playlist; a proposal plays as an edit, shot after shot, across
source files. Only the first video track plays (V2 overlays are composited elsewhere).
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio

from engine.media import MediaInfo
from engine.timeline.rates import exact_rate, frames
from engine.timeline.urls import url_to_path


@dataclass(frozen=True)
class Segment:
    """`length` frames of `path` from source frame `source_start`, at record frame `record_start`."""

    path: Path
    source_start: int
    length: int
    record_start: int
    name: str = ""

    @property
    def record_end(self) -> int:
        """One past the last record frame."""
        return self.record_start + self.length


@dataclass(frozen=True)
class Playlist:
    rate: Fraction
    segments: tuple[Segment, ...]
    length: int
    name: str = ""

    @classmethod
    def from_clip(cls, info: MediaInfo) -> Playlist:
        video = info.video
        if video is None:
            raise ValueError(f"{info.path.name}: no video stream to play")
        segment = Segment(info.path, 0, video.frame_count, 0, info.path.name)
        return cls(video.frame_rate, (segment,), video.frame_count, info.path.name)

    @classmethod
    def from_timeline(cls, timeline: otio.schema.Timeline) -> Playlist:
        """Segments of the first video track; gaps and offline clips play as black."""
        tracks = timeline.video_tracks()
        if not tracks:
            return cls(Fraction(24), (), 0, timeline.name)
        return cls.from_track(tracks[0], name=timeline.name)

    @classmethod
    def from_track(cls, track: otio.schema.Track, rate: Fraction | None = None, name: str = "") -> Playlist:
        """Any one track (an audio lane for its waveform, say) on `rate`'s frame grid."""
        rate = rate or exact_rate(_first_rate(track))
        segments, cursor = [], 0
        for item in track:
            if isinstance(item, otio.schema.Transition):
                continue  # transitions overlap neighbours; the cut point plays
            duration = frames(item.duration(), rate)
            if isinstance(item, otio.schema.Clip) and isinstance(
                    item.media_reference, otio.schema.ExternalReference):
                source_start = _source_frame(item)
                segments.append(Segment(Path(url_to_path(item.media_reference.target_url)),
                                        source_start, duration, cursor, item.name))
            cursor += duration
        return cls(rate, tuple(segments), cursor, name or track.name)

    def locate(self, record_frame: int) -> tuple[Segment, int] | None:
        """(segment, source frame) shown at `record_frame`, or None over a gap."""
        starts = [s.record_start for s in self.segments]
        i = bisect.bisect_right(starts, record_frame) - 1
        if i < 0:
            return None
        segment = self.segments[i]
        if record_frame >= segment.record_end:
            return None
        return segment, segment.source_start + record_frame - segment.record_start


def _first_rate(track: otio.schema.Track) -> float:
    for item in track:
        if not isinstance(item, otio.schema.Transition):
            return item.duration().rate
    return 24.0


def _source_frame(clip: otio.schema.Clip) -> int:
    """Frame index in the file: the source range is on the media's own (timecode) origin."""
    source = clip.source_range or clip.available_range()
    file_rate = exact_rate(source.start_time.rate)
    offset = source.start_time
    available = clip.media_reference.available_range
    if available is not None:
        offset = offset - available.start_time.rescaled_to(offset)
    return frames(offset, file_rate)
