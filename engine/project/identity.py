"""What a project timeline is, read from its OTIO metadata rather than from its name.

``timeline.metadata["moviola"]`` holds ``kind`` ("breakdown" | "proposal" | absent for
imported timelines), ``media`` (the content fingerprint a breakdown belongs to) and
``kept`` (a proposal the editor kept: never replaced by a later run). Editor-made objects
are untagged; what analysis generated carries ``generated: true`` so a re-analysis can
replace exactly that and nothing else.
"""
from __future__ import annotations

import opentimelineio as otio

from engine.timeline.model import lookup, meta


def timeline_kind(timeline: otio.schema.Timeline) -> str | None:
    """"breakdown", "proposal", or None for anything else."""
    kind = lookup(timeline, "kind")
    return str(kind) if kind else None


def timeline_media(timeline: otio.schema.Timeline) -> str | None:
    """The fingerprint of the media item a breakdown timeline belongs to."""
    media = lookup(timeline, "media")
    return str(media) if media else None


def tag_breakdown(timeline: otio.schema.Timeline, fingerprint: str) -> None:
    meta(timeline).update({"kind": "breakdown", "media": fingerprint})


def tag_proposal(timeline: otio.schema.Timeline, kept: bool = False) -> None:
    meta(timeline).update({"kind": "proposal", "kept": bool(kept)})


def is_kept(timeline: otio.schema.Timeline) -> bool:
    return bool(lookup(timeline, "kept", default=False))


def is_generated(obj) -> bool:
    """Whether analysis made ``obj`` (a marker): re-analysis may replace it."""
    return bool(lookup(obj, "generated", default=False))


def mark_generated(obj) -> None:
    meta(obj)["generated"] = True
