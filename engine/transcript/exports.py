"""Transcripts travel with exports: caption files beside them, lines as clip markers in them.

The marker contract, shared with the interchange writers (which turn these markers into
FCPXML ``caption`` elements): ``marker.metadata["moviola"]["kind"] == "transcript"``, the
marker's name is the caption line's text, and its ``marked_range`` is the line's range in
the clip's source time. Lines are caption cues (at most two lines of about 42 characters,
split at pauses), made from the words inside each clip's range, so no line straddles a cut.
"""
from __future__ import annotations

import math
import os
from pathlib import Path

import opentimelineio as otio

from engine.atomic import atomic_write_text
from engine.timeline.model import lookup, meta
from engine.timeline.urls import url_to_path

from .captions import cues, to_srt
from .result import Segment, Transcript, Word

KIND = "transcript"
_DEFAULT_CACHE = object()


def media_path(clip: otio.schema.Clip) -> str | None:
    ref = clip.media_reference
    url = getattr(ref, "target_url", None)
    return url_to_path(url) if url else None


def transcripts_for(timeline: otio.schema.Timeline, cache=_DEFAULT_CACHE) -> dict[str, Transcript]:
    """The cached transcript of each file the timeline's clips use (files without one left out)."""
    from .transcribe import cached_transcript

    if cache is _DEFAULT_CACHE:
        from engine.cache.store import AnalysisCache

        cache = AnalysisCache()
    found: dict[str, Transcript] = {}
    for clip in timeline.find_clips():
        path = media_path(clip)
        if path is None or path in found or not os.path.isfile(path):
            continue
        transcript = cached_transcript(path, cache)
        if transcript is not None and transcript.words:
            found[path] = transcript
    return {p: t for p, t in found.items() if t is not None}


def _origin(clip: otio.schema.Clip) -> otio.opentime.RationalTime:
    """The source time of the media's first frame (its start timecode, if any)."""
    available = getattr(clip.media_reference, "available_range", None)
    rate = clip.source_range.start_time.rate
    return available.start_time.rescaled_to(rate) if available is not None \
        else otio.opentime.RationalTime(0, rate)


def _clip_words(clip: otio.schema.Clip, transcript: Transcript) -> list[Word]:
    """The words said within the clip's range (a word counts when its middle is in it), in file seconds."""
    start = (clip.source_range.start_time - _origin(clip)).to_seconds()
    end = start + clip.source_range.duration.to_seconds()
    return [w for w in transcript.words if start <= (w.start + w.end) / 2 < end]


def _picture_clips(timeline: otio.schema.Timeline) -> list[otio.schema.Clip]:
    tracks = timeline.video_tracks()
    return list(tracks[0].find_clips(shallow_search=True)) if tracks else []


def add_transcript_markers(timeline: otio.schema.Timeline, transcripts: dict[str, Transcript]) -> int:
    """Mark each caption line on the picture clips of V1 (replacing earlier transcript markers);
    returns how many lines were marked."""
    count = 0
    for clip in _picture_clips(timeline):
        clip.markers[:] = [m for m in clip.markers if lookup(m, "kind") != KIND]
        transcript = transcripts.get(media_path(clip) or "")
        if transcript is None:
            continue
        words = _clip_words(clip, transcript)
        rate = clip.source_range.start_time.rate
        origin = _origin(clip)
        first, last = clip.source_range.start_time, clip.source_range.end_time_exclusive()
        for cue in cues(_as_transcript(words)):
            start = origin + otio.opentime.RationalTime(math.floor(cue.start * rate + 1e-6), rate)
            end = origin + otio.opentime.RationalTime(math.ceil(cue.end * rate - 1e-6), rate)
            start, end = max(start, first), min(end, last)
            if end <= start:
                continue
            marker = otio.schema.Marker(name=" ".join(cue.lines),
                                        marked_range=otio.opentime.range_from_start_end_time(start, end),
                                        color=otio.schema.MarkerColor.CYAN)
            meta(marker)["kind"] = KIND
            clip.markers.append(marker)
            count += 1
    return count


def timeline_transcript(timeline: otio.schema.Timeline, transcripts: dict[str, Transcript]) -> Transcript:
    """What is said on the timeline, in its own seconds (from its start): the words of V1's
    clips moved from their file's time to where the clip sits."""
    segments: list[Segment] = []
    for clip in _picture_clips(timeline):
        transcript = transcripts.get(media_path(clip) or "")
        if transcript is None:
            continue
        words = _clip_words(clip, transcript)
        if not words:
            continue
        placed = clip.range_in_parent()
        shift = placed.start_time.to_seconds() - (clip.source_range.start_time - _origin(clip)).to_seconds()
        end = placed.end_time_exclusive().to_seconds()
        moved = tuple(Word(round(max(w.start + shift, placed.start_time.to_seconds()), 3),
                           round(min(w.end + shift, end), 3), w.word, w.probability) for w in words)
        segments.append(Segment(moved[0].start, moved[-1].end, "".join(w.word for w in moved).strip(), moved))
    return Transcript(timeline.name, "", "", segments)


def write_captions(timeline: otio.schema.Timeline, target: str | os.PathLike[str],
                   transcripts: dict[str, Transcript]) -> Path | None:
    """An .srt beside `target` (same name) with what the timeline says; None when it says nothing."""
    said = timeline_transcript(timeline, transcripts)
    if not said.words:
        return None
    path = Path(target).with_suffix(".srt")
    atomic_write_text(path, to_srt(said, by_segment=True))  # one segment per clip
    return path


def export_with_transcript(timeline: otio.schema.Timeline, target: str | os.PathLike[str], fmt: str,
                           cache=_DEFAULT_CACHE, **options):
    """`engine.timeline.export.export_timeline` of a copy of `timeline` that carries its
    transcript lines as markers, then captions beside the file. Returns (the export's
    result, the caption file or None). The timeline itself is left as it was."""
    from engine.timeline.export import export_timeline

    copy = timeline.deepcopy()
    transcripts = transcripts_for(copy, cache)
    add_transcript_markers(copy, transcripts)
    result = export_timeline(copy, target, fmt, **options)
    captions = write_captions(copy, Path(result.path), transcripts)
    return result, captions


def _as_transcript(words: list[Word]) -> Transcript:
    return Transcript("", "", "", [Segment(words[0].start, words[-1].end, "", tuple(words))] if words else [])
