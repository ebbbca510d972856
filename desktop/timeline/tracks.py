"""The proposal's tracks as lanes of frame-numbered clip blocks (Qt-free)."""
from __future__ import annotations

from fractions import Fraction
from typing import NamedTuple

import opentimelineio as otio

from engine.timeline.model import clip_emotion, layout


class ClipBlock(NamedTuple):
    start: int  # first frame on the timeline
    end: int  # one past the last frame
    name: str
    label: str | None  # emotion label from the clip's metadata, if it has one


class Lane(NamedTuple):
    name: str  # "V1", "V2", "A1", …: the key of ``TimelineModel.waveforms``
    title: str  # the track's own name, for tooltips
    audio: bool
    clips: list[ClipBlock]


def lanes(timeline: otio.schema.Timeline | None, rate: Fraction) -> list[Lane]:
    """Lanes in NLE order: the highest video track on top, then A1, A2, ….

    Tracks are numbered per kind in the order OTIO stacks them (V1 is the first video
    track), whatever their names, so waveforms can be keyed by ``"A1"``.
    """
    if timeline is None:
        return []
    video, audio = [], []
    for track in timeline.tracks:
        is_audio = track.kind == otio.schema.TrackKind.Audio
        group = audio if is_audio else video
        name = f"{'A' if is_audio else 'V'}{len(group) + 1}"
        blocks = []
        for placed in layout(track, rate).clips:
            emotion = clip_emotion(placed.item)
            blocks.append(ClipBlock(placed.start, placed.end, placed.item.name or "",
                                    emotion.get("label") if emotion else None))
        group.append(Lane(name, track.name or name, is_audio, blocks))
    return video[::-1] + audio
