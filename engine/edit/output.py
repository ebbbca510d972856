"""A proposal as an OpenTimelineIO timeline: V1 picture, A1 its sound, A2 the music."""
from __future__ import annotations

from pathlib import Path

import opentimelineio as otio

from engine.edit.proposals import Proposal
from engine.timeline import model, rates


def proposal_timeline(proposal: Proposal, name: str | None = None,
                      probe_media: bool = True) -> otio.schema.Timeline:
    """The proposal as a timeline a project stores and the exporters write.

    Each V1 clip carries the shot's emotion (``metadata["moviola"]["emotion"]``), the
    reason for its cut (``["cut"]``) and a marker named after its emotion label whose
    comment is that reason, so both survive the trip to Premiere or Resolve.

    Args:
        probe_media: Probe source files that exist, so references carry their rate,
            timecode and sound (exports need them); missing files stay plain references.
    """
    rate = proposal.rate
    timeline = otio.schema.Timeline(name=name or f"Proposal: {proposal.name}")
    model.set_timeline_facts(timeline, rate, False)
    model.meta(timeline)["proposal"] = {
        "name": proposal.name, "summary": proposal.summary, "arc": proposal.arc.name,
        "arc_error": round(proposal.arc_error, 5), "target_frames": proposal.target_frames,
        "costs": {k: round(v, 5) for k, v in proposal.costs.items()},
    }
    video = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    audio = otio.schema.Track(name="A1", kind=otio.schema.TrackKind.Audio)
    references: dict[Path, otio.schema.ExternalReference] = {}
    for n, cut in enumerate(proposal.cuts, 1):
        shot = cut.shot
        if shot.path not in references:
            references[shot.path] = _reference(shot.path, shot.rate, probe_media)
        ref = references[shot.path]
        origin = rates.frames(ref.available_range.start_time, shot.rate) if ref.available_range else 0
        source = rates.time_range(origin + cut.source_start, cut.source_frames, shot.rate)
        clip = otio.schema.Clip(name=f"{shot.path.name} #{shot.index + 1}", media_reference=ref.clone(),
                                source_range=source)
        emotion = {"label": shot.label, "valence": round(shot.valence, 4), "arousal": round(shot.arousal, 4),
                   "confidence": round(shot.confidence, 4)}
        model.meta(clip)["emotion"] = emotion
        model.meta(clip)["cut"] = {"number": n, "reason": cut.reason, "section": cut.section,
                                   "shot": shot.index, "target_arousal": round(cut.target_arousal, 4)}
        # Clip markers count in the media's time, so the in-point marks the clip's head.
        marker = otio.schema.Marker(name=f"cut {n} ({shot.label})", marked_range=otio.opentime.TimeRange(
            source.start_time, rates.rational(0, shot.rate)), color=model.emotion_color(emotion), comment=cut.reason)
        model.meta(marker)["emotion"] = {"label": shot.label}
        clip.markers.append(marker)
        video.append(clip)
        if shot.has_audio:
            audio.append(otio.schema.Clip(name=clip.name, media_reference=ref.clone(), source_range=source))
        else:
            audio.append(otio.schema.Gap(source_range=rates.time_range(0, cut.source_frames, shot.rate)))
    timeline.tracks.append(video)
    timeline.tracks.append(audio)
    if proposal.music is not None:
        music = otio.schema.Track(name="A2", kind=otio.schema.TrackKind.Audio)
        ref = _reference(proposal.music.path, rate, probe_media, audio_only=True)
        music.append(otio.schema.Clip(name=proposal.music.path.name, media_reference=ref,
                                      source_range=rates.time_range(0, proposal.duration_frames, rate)))
        timeline.tracks.append(music)
    return timeline


def _reference(path: Path, rate, probe_media: bool, audio_only: bool = False) -> otio.schema.ExternalReference:
    if probe_media and path.is_file():
        from engine.media import MediaError, probe
        from engine.timeline.stringout import media_reference

        try:
            info = probe(path)
        except MediaError:
            info = None
        if info is not None and info.video is not None and not audio_only:
            return media_reference(info)
        if info is not None:
            ref = otio.schema.ExternalReference(
                target_url=path.resolve().as_uri(),
                available_range=rates.time_range(0, round(info.duration * float(rate)), rate))
            ref.metadata["moviola"] = {"probe": info.to_dict()}
            return ref
    return otio.schema.ExternalReference(target_url=path.resolve().as_uri())
