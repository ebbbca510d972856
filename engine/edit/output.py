"""A proposal as an OpenTimelineIO timeline: V1 picture, A1 its sound, A2 the music."""
from __future__ import annotations

import math
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
        "arc_error": _finite(proposal.arc_error), "target_frames": proposal.target_frames,
        "costs": {k: _finite(v) for k, v in proposal.costs.items()},
    }
    video = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    audio = otio.schema.Track(name="A1", kind=otio.schema.TrackKind.Audio)
    references: dict[Path, otio.schema.ExternalReference] = {}
    origins: dict[Path, int] = {}
    for n, cut in enumerate(proposal.cuts, 1):
        shot = cut.shot
        if shot.path not in references:
            references[shot.path] = _reference(shot.path, shot.rate, probe_media)
        ref = references[shot.path]
        origin = rates.frames(ref.available_range.start_time, shot.rate) if ref.available_range else 0
        origins[shot.path] = origin
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
    _sound_track(proposal, audio, references, origins)
    timeline.tracks.append(video)
    timeline.tracks.append(audio)
    if proposal.music is not None:
        music = otio.schema.Track(name="A2", kind=otio.schema.TrackKind.Audio)
        ref = _reference(proposal.music.path, rate, probe_media, audio_only=True)
        music.append(otio.schema.Clip(name=proposal.music.path.name, media_reference=ref,
                                      source_range=rates.time_range(0, proposal.duration_frames, rate)))
        timeline.tracks.append(music)
    return timeline


def _finite(value: float) -> float | None:
    """A number JSON can hold: no proposal file ever says Infinity or NaN."""
    return round(value, 5) if math.isfinite(value) else None


def _sound_track(proposal: Proposal, audio: otio.schema.Track, references, origins) -> None:
    """A1: each cut's sound where ``proposal.audio`` puts it, gaps between.

    A split edit is an audio clip whose record range differs from its picture's: it
    starts earlier (J-cut) or ends later (L-cut) than the V1 clip of the same cut, with
    the same source offset, so sound and picture stay in sync. Its metadata
    ``moviola.audio`` names the cut, the lead and trail in frames and the crossfades.
    """
    rate = proposal.rate
    at = 0
    for piece in proposal.audio:
        cut = proposal.cuts[piece.cut]
        shot = cut.shot
        if piece.record_start > at:
            audio.append(otio.schema.Gap(source_range=rates.time_range(0, piece.record_start - at, rate)))
        source = rates.time_range(origins[shot.path] + piece.source_start, piece.source_frames, shot.rate)
        clip = otio.schema.Clip(name=f"{shot.path.name} #{shot.index + 1}",
                                media_reference=references[shot.path].clone(), source_range=source)
        lead = cut.record_start - piece.record_start
        trail = piece.record_start + piece.record_frames - (cut.record_start + cut.record_frames)
        model.meta(clip)["audio"] = {
            "cut": piece.cut + 1, "record_start": piece.record_start, "record_frames": piece.record_frames,
            "picture_record_start": cut.record_start, "picture_record_frames": cut.record_frames,
            "lead_frames": lead, "trail_frames": trail,
            "split": "J-cut" if lead > 0 else ("L-cut" if trail > 0 else None),
            "fade_in_frames": piece.fade_in, "fade_out_frames": piece.fade_out,
        }
        audio.append(clip)
        at = piece.record_start + piece.record_frames
    total = proposal.duration_frames
    if total > at:
        audio.append(otio.schema.Gap(source_range=rates.time_range(0, total - at, rate)))


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
