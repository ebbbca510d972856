"""Putting a rendered element on the timeline: track V2, above its shot."""
from __future__ import annotations

from pathlib import Path

import opentimelineio as otio

from engine.timeline.urls import path_to_url

ELEMENT_TRACK = "V2"


def place_element(timeline: otio.schema.Timeline, record_range: otio.opentime.TimeRange,
                  element_path: str | Path, name: str | None = None,
                  metadata: dict | None = None) -> otio.schema.Clip:
    """Add ``element_path`` on V2 over ``record_range`` and return the new clip.

    Args:
        record_range: Where the shot sits, in the track's time (as ``Track.range_of_child``
            gives, starting at 0); the element covers exactly that range.
        element_path: A rendered .mov, or a folder holding a PNG sequence.
        metadata: Stored under ``metadata["moviola"]["vfx"]`` (e.g. the element's parameters).

    Raises:
        ValueError: something already occupies V2 in that range.
    """
    track = _element_track(timeline)
    rate = record_range.duration.rate
    duration = record_range.duration
    source = otio.opentime.TimeRange(otio.opentime.RationalTime(0, rate), duration)
    clip = otio.schema.Clip(name=name or Path(element_path).stem,
                            media_reference=_reference(Path(element_path), source),
                            source_range=source)
    clip.metadata["moviola"] = {"vfx": dict(metadata or {})}
    _insert(track, clip, record_range.start_time)
    return clip


def _reference(path: Path, available: otio.opentime.TimeRange):
    path = path.resolve()
    if path.is_dir():
        frames = sorted(path.glob("*.png"))
        if not frames:
            raise ValueError(f"no PNG frames in {path}")
        # name_00000.png: prefix up to the frame number, 5-digit padding.
        prefix = frames[0].name[: -len("00000.png")]
        return otio.schema.ImageSequenceReference(
            target_url_base=path_to_url(str(path), host="") + "/", name_prefix=prefix, name_suffix=".png",
            start_frame=0, frame_step=1, rate=available.duration.rate, frame_zero_padding=5,
            available_range=available)
    return otio.schema.ExternalReference(target_url=path_to_url(str(path), host=""), available_range=available)


def _element_track(timeline: otio.schema.Timeline) -> otio.schema.Track:
    for track in timeline.video_tracks():
        if track.name == ELEMENT_TRACK:
            return track
    track = otio.schema.Track(name=ELEMENT_TRACK, kind=otio.schema.TrackKind.Video)
    # Right above the first video track (the stack lists tracks bottom to top).
    videos = [i for i, t in enumerate(timeline.tracks) if t.kind == otio.schema.TrackKind.Video]
    timeline.tracks.insert(videos[0] + 1 if videos else len(timeline.tracks), track)
    return track


def _insert(track: otio.schema.Track, clip: otio.schema.Clip, start: otio.opentime.RationalTime) -> None:
    """Put ``clip`` at ``start``, splitting a gap or padding the track's end with one."""
    rate = start.rate
    end = start + clip.source_range.duration
    cursor = otio.opentime.RationalTime(0, rate)
    for index, item in enumerate(track):
        item_range = track.range_of_child_at_index(index)
        item_start = item_range.start_time
        item_end = item_range.end_time_exclusive()
        if item_end <= start:
            cursor = item_end
            continue
        if not isinstance(item, otio.schema.Gap) or end > item_end:
            raise ValueError(f"{ELEMENT_TRACK} is not free from {start.to_frames()} to {end.to_frames()}")
        before = start - item_start
        after = item_end - end
        del track[index]
        pieces = []
        if before.value > 0:
            pieces.append(otio.schema.Gap(source_range=otio.opentime.TimeRange(duration=before)))
        pieces.append(clip)
        if after.value > 0:
            pieces.append(otio.schema.Gap(source_range=otio.opentime.TimeRange(duration=after)))
        for offset, piece in enumerate(pieces):
            track.insert(index + offset, piece)
        return
    if start > cursor:
        track.append(otio.schema.Gap(source_range=otio.opentime.TimeRange(duration=start - cursor)))
    track.append(clip)
