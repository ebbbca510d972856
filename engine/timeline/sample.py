"""A small, fully featured timeline for tests, demos and the export dialog's preview.

Two picture tracks (V2 an overlay VFX element), two sound tracks (A1 linked to V1,
A2 unlinked music), a dissolve, clip and timeline markers with colours and comments,
per-shot emotion, source timecode, and paths with spaces, ``#`` and non-ASCII text.
"""
from __future__ import annotations

import opentimelineio as otio

from engine.timeline import model, rates
from engine.timeline.urls import path_to_url

PATHS = ("/media/Day 1/A001 #take é.mov", "/media/Day 1/B002 日本 😀.mov", "/media/music/score 100%.wav",
         "/media/vfx/smoke element.mov")


def _ref(path: str, rate, start: int, frames: int, video=True, audio=True, drop_frame=False) -> otio.schema.ExternalReference:
    ref = otio.schema.ExternalReference(
        target_url=path_to_url(path, host=""),
        available_range=rates.time_range(start, frames, rate))
    model.store_media_facts(ref, model.MediaFacts(
        url=ref.target_url, name=path.rsplit("/", 1)[-1], rate=rates.exact_rate(rate), start=start,
        frames=frames, width=1920 if video else None, height=1080 if video else None,
        has_video=video, has_audio=audio, channels=2,
        drop_frame=drop_frame))
    return ref


def sample_timeline(rate=24, drop_frame: bool = False, name: str = "Proposal 1") -> otio.schema.Timeline:
    """The sample at ``rate`` (e.g. ``24000/1001`` or 29.97 with ``drop_frame``)."""
    rate = rates.exact_rate(rate)
    fps = round(rate)
    media_start = rates.from_timecode("01:00:00:00" if not drop_frame else "01:00:00;00", rate, drop_frame)
    timeline = otio.schema.Timeline(name=name, global_start_time=rates.rational(media_start, rate))
    model.set_timeline_facts(timeline, rate, drop_frame, 1920, 1080)

    refs = [_ref(PATHS[0], rate, media_start, fps * 60, drop_frame=drop_frame),
            _ref(PATHS[1], rate, media_start + fps * 7, fps * 40, drop_frame=drop_frame)]
    music = _ref(PATHS[2], rate, 0, fps * 120, video=False)
    smoke = _ref(PATHS[3], rate, 0, fps * 10, audio=False)

    def clip(n: int, ref, source: int, length: int) -> otio.schema.Clip:
        return otio.schema.Clip(name=f"Shot {n:02d}", media_reference=ref.clone(),
                                source_range=rates.time_range(source, length, rate))

    cuts = [(refs[0], media_start + fps * 2 + 3, fps * 4 + 5), (refs[1], media_start + fps * 9, fps * 3),
            (refs[0], media_start + fps * 20 + 1, fps * 5 + 11), (refs[1], media_start + fps * 12, fps * 2 + 7)]
    v1 = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    a1 = otio.schema.Track(name="A1", kind=otio.schema.TrackKind.Audio)
    emotions = [("joy", 0.62, 0.41, 0.87), ("fear", -0.55, 0.78, 0.64), ("calm", 0.05, -0.3, 0.71),
                ("sadness", -0.48, -0.22, 0.58)]
    for n, (ref, source, length) in enumerate(cuts, 1):
        label, valence, arousal, confidence = emotions[n - 1]
        picture = clip(n, ref, source, length)
        model.meta(picture)["emotion"] = {"label": label, "valence": valence, "arousal": arousal,
                                          "confidence": confidence}
        v1.append(picture)
        a1.append(clip(n, ref, source, length))
        if n == 2:  # a dissolve into shot 3 (handles exist on both sides)
            half = fps // 2
            v1.append(otio.schema.Transition(name="Cross Dissolve", transition_type="SMPTE_Dissolve",
                                             in_offset=rates.rational(half, rate),
                                             out_offset=rates.rational(half, rate)))
    first = v1[0]
    marker = otio.schema.Marker(name="Look: eyes", marked_range=rates.time_range(
        cuts[0][1] + fps, 0, rate), color=otio.schema.MarkerColor.RED, comment="the turn — «regard» 目")
    model.meta(marker)["emotion"] = {"label": "surprise"}
    first.markers.append(marker)
    v1[3].markers.append(otio.schema.Marker(name="Ranged note", marked_range=rates.time_range(
        cuts[2][1] + 5, fps, rate), color=otio.schema.MarkerColor.BLUE, comment="hold longer"))

    v2 = otio.schema.Track(name="V2 VFX", kind=otio.schema.TrackKind.Video)
    v2.append(otio.schema.Gap(source_range=rates.time_range(0, fps * 5, rate)))
    overlay = otio.schema.Clip(name="Smoke", media_reference=smoke, source_range=rates.time_range(12, fps * 2, rate))
    model.meta(overlay)["compositemode"] = "screen"
    v2.append(overlay)

    a2 = otio.schema.Track(name="A2 Music", kind=otio.schema.TrackKind.Audio)
    a2.append(otio.schema.Gap(source_range=rates.time_range(0, fps + 3, rate)))
    a2.append(otio.schema.Clip(name="Score", media_reference=music, source_range=rates.time_range(
        fps * 30, fps * 10, rate)))

    timeline.tracks.extend([v1, v2, a1, a2])
    timeline.tracks.markers.append(otio.schema.Marker(
        name="Reel break", marked_range=rates.time_range(fps * 8, 0, rate),
        color=otio.schema.MarkerColor.YELLOW, comment="act two starts"))
    return timeline
