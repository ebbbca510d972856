"""A stringout: every clip end to end, the editor's first look at the footage."""
from __future__ import annotations

from collections.abc import Iterable

import opentimelineio as otio

from engine.media import MediaInfo
from engine.timeline.urls import path_to_url


def media_reference(info: MediaInfo) -> otio.schema.ExternalReference:
    """Reference to a clip with picture; its range starts at the source timecode, if any."""
    rate = float(info.video.frame_rate)
    frames = info.video.frame_count
    start = otio.opentime.RationalTime(0, rate)
    if info.start_timecode:
        start = otio.opentime.from_timecode(info.start_timecode, rate)
    ref = otio.schema.ExternalReference(
        target_url=path_to_url(str(info.path.resolve()), host=""),
        available_range=otio.opentime.TimeRange(start, otio.opentime.RationalTime(frames, rate)))
    ref.metadata["moviola"] = {"probe": info.to_dict()}
    return ref


def stringout(infos: Iterable[MediaInfo], name: str = "Stringout") -> otio.schema.Timeline:
    """V1 with every clip that has picture, A1 with the sound of the same clips, in order."""
    timeline = otio.schema.Timeline(name=name)
    video = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    audio = otio.schema.Track(name="A1", kind=otio.schema.TrackKind.Audio)
    for info in infos:
        if info.video is None:
            continue
        ref = media_reference(info)
        clip_range = ref.available_range
        video.append(otio.schema.Clip(name=info.path.name, media_reference=ref,
                                      source_range=clip_range))
        if info.audio:
            audio.append(otio.schema.Clip(name=info.path.name, media_reference=ref.clone(),
                                          source_range=clip_range))
        else:
            audio.append(otio.schema.Gap(source_range=otio.opentime.TimeRange(
                duration=clip_range.duration)))
    timeline.tracks.append(video)
    timeline.tracks.append(audio)
    return timeline
