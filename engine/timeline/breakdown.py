"""A shot breakdown: the analysed file cut into one clip per shot, in place.

This is what the editor can take to Premiere or Resolve straight after analysis: the file on
V1 split at every boundary, each clip named and marked with its shot number, incoming
transition and (once scored) emotion.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import opentimelineio as otio

from engine.media import MediaInfo
from engine.timeline import rates
from engine.timeline.model import meta
from engine.timeline.stringout import media_reference

if TYPE_CHECKING:  # timelines sit below the analysers: a shot list is only read here
    from engine.shots import ShotList


def breakdown(info: MediaInfo, shots: ShotList, emotions: list[dict] | None = None,
              name: str | None = None) -> otio.schema.Timeline:
    """V1 with one clip per shot (and A1 with the same ranges when the file has sound).

    Consecutive clips meet where the next shot's frames begin, so a dissolve's frames belong
    to the incoming shot and no frame plays twice. Each clip records its shot's first frame
    (``metadata["moviola"]["shot"]``) and its marker is tagged generated, so a re-analysis
    can tell what it made from what the editor added (engine/project/merge.py).

    Args:
        name: The timeline's name (default ``"<file stem> — shots"``).
    """
    rate = info.video.frame_rate
    ref = media_reference(info)
    origin = rates.frames(ref.available_range.start_time, rate)
    timeline = otio.schema.Timeline(name=name or f"{info.path.stem} — shots")
    meta(timeline).update({"rate": str(rate), "width": info.video.width,
                           "height": info.video.height,
                           "drop_frame": bool(info.start_timecode and ";" in info.start_timecode)})
    video = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    audio = otio.schema.Track(name="A1", kind=otio.schema.TrackKind.Audio)
    starts = [s.start_frame for s in shots.shots] + [shots.frame_count]
    for i, first in enumerate(starts[:-1]):
        length = starts[i + 1] - first
        if length <= 0:
            continue
        source = rates.time_range(origin + first, length, rate)
        clip = otio.schema.Clip(name=f"{info.path.stem} shot {i + 1:03d}",
                                media_reference=ref.clone(), source_range=source)
        meta(clip)["shot"] = {"number": i + 1, "start_frame": first}
        incoming = shots.incoming(i)
        note = f"shot {i + 1}" + (f", after a {incoming.type}" if incoming else "")
        marker_name, color = note, otio.schema.MarkerColor.BLUE
        if emotions and i < len(emotions) and emotions[i]:
            emotion = emotions[i]
            meta(clip)["emotion"] = dict(emotion)
            marker_name = f"{emotion['label']} ({note})"
        marker = otio.schema.Marker(
            name=marker_name, color=color,
            marked_range=otio.opentime.TimeRange(source.start_time, rates.rational(1, rate)))
        meta(marker)["generated"] = True
        clip.markers.append(marker)
        video.append(clip)
        if info.audio:
            audio.append(otio.schema.Clip(name=clip.name, media_reference=ref.clone(),
                                          source_range=source))
    timeline.tracks.append(video)
    if info.audio:
        timeline.tracks.append(audio)
    return timeline
