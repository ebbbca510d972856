"""Annotating the editor's own timeline: the same file back, with emotion markers added.

The editor's Premiere XML, FCPXML or .otio is imported, each clip whose media is on
this machine gets a marker at the head of every analysed shot it shows (the shot's
emotion label, its scores in the comment), and the arc's peaks become timeline
markers. Nothing else changes: the file is written back through the same reader and
writer pair whose round trip the interchange tests check (clips, ranges, transitions).

The analysis itself lives above this package; callers pass it in as ``analyse``.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio

from engine.timeline import model, rates
from engine.timeline.errors import InterchangeError
from engine.timeline.urls import url_to_path

FORMAT_BY_SUFFIX = {".xml": "premiere", ".fcpxml": "resolve", ".otio": "otio"}
PEAKS = 3  # the arc's highest points worth a timeline marker


@dataclass(frozen=True)
class ShotMood:
    """One analysed shot in its file's own seconds (from the first frame)."""

    start: Fraction
    end: Fraction
    emotion: dict  # {label, valence, arousal, confidence}


Analyse = Callable[[str], Sequence[ShotMood] | None]
# Proposals from the analysed media: (local paths, the editor's timeline) -> (timelines, notes).
Propose = Callable[[list[str], otio.schema.Timeline], tuple[list[otio.schema.Timeline], list[str]]]


@dataclass
class AnnotateResult:
    path: Path
    format: str
    markers: int = 0
    peaks: int = 0
    analysed: list[str] = field(default_factory=list)
    report: list[str] = field(default_factory=list)
    proposals: list[str] = field(default_factory=list)  # names of the proposal sequences written


def local_sources(timeline: otio.schema.Timeline) -> list[str]:
    """Paths of the clips' media that exist on this machine, each once, in timeline order."""
    found: dict[str, None] = {}
    for clip in timeline.find_clips():
        url = getattr(clip.media_reference, "target_url", None)
        path = url_to_path(url) if url else ""
        if path and os.path.isfile(path):
            found.setdefault(path, None)
    return list(found)


def add_markers(timeline: otio.schema.Timeline, moods: dict[str, Sequence[ShotMood]]) -> tuple[int, int]:
    """Add a marker per analysed shot on every picture clip that shows it, and the arc's
    peaks as timeline markers. Returns (clip markers, peak markers) added."""
    added = 0
    arc: list[tuple[float, Fraction, str]] = []  # (arousal, record seconds, label)
    for track in timeline.video_tracks():
        for index, item in enumerate(track):
            if not isinstance(item, otio.schema.Clip) or item.source_range is None:
                continue
            url = getattr(item.media_reference, "target_url", None)
            shots = moods.get(url_to_path(url)) if url else None
            if not shots:
                continue
            rate = rates.exact_rate(item.source_range.start_time.rate)
            ref = item.media_reference
            first = _seconds(ref.available_range.start_time) if ref.available_range is not None else Fraction(0)
            begin = _seconds(item.source_range.start_time) - first
            end = begin + _seconds(item.source_range.duration)
            record = _seconds(track.range_of_child_at_index(index).start_time)
            for shot in shots:
                if shot.end <= begin or shot.start >= end:
                    continue
                at = max(shot.start, begin)
                frame = round((first + at) * rate)
                marker = otio.schema.Marker(
                    name=shot.emotion["label"], marked_range=rates.time_range(frame, 0, rate),
                    color=model.emotion_color(shot.emotion), comment=model.emotion_comment(shot.emotion))
                model.meta(marker)["annotation"] = True
                item.markers.append(marker)
                added += 1
                arc.append((float(shot.emotion.get("arousal", 0)), record + at - begin, shot.emotion["label"]))
    peaks = sorted(arc, key=lambda a: -a[0])[:PEAKS]
    timeline_rate = model.timeline_rate(timeline)
    for n, (arousal, seconds, label) in enumerate(sorted(peaks, key=lambda p: p[1]), 1):
        marker = otio.schema.Marker(
            name=f"arc peak {n} ({label})", marked_range=rates.time_range(round(seconds * timeline_rate), 0,
                                                                          timeline_rate),
            color=otio.schema.MarkerColor.ORANGE, comment=f"arousal {arousal:.2f}")
        model.meta(marker)["annotation"] = True
        timeline.tracks.markers.append(marker)
    return added, len(peaks)


def annotate_file(source: str | os.PathLike[str], output: str | os.PathLike[str] | None,
                  analyse: Analyse, propose: Propose | None = None) -> AnnotateResult:
    """Import ``source``, add emotion markers from ``analyse``, write it to ``output``
    (default: ``NAME.annotated.EXT`` beside it) in the same format.

    Every timeline of the file is written back in its order, the first annotated; the
    timelines ``propose`` builds from the analysed media follow it in the same file
    (sequences of the xmeml, projects of the FCPXML event, timelines of an .otio
    collection), so the editor imports one file and finds them beside their cut.

    Raises:
        InterchangeError: Not a Premiere XML, FCPXML or .otio file, or unreadable.
    """
    from engine.timeline.export import export_timelines
    from engine.timeline.importers import import_timeline

    source = Path(source)
    fmt = FORMAT_BY_SUFFIX.get(source.suffix.lower())
    if fmt is None:
        raise InterchangeError(source, "annotate reads Premiere XML (.xml), FCPXML (.fcpxml) or .otio")
    target = Path(output) if output else source.with_name(f"{source.stem}.annotated{source.suffix}")
    imported = import_timeline(source)
    if not imported.timelines:
        raise InterchangeError(source, "no timeline in the file")
    result = AnnotateResult(target, fmt, report=[f"import: {line}" for line in imported.unsupported])
    if len(imported.timelines) > 1:
        result.report.append(f"{len(imported.timelines)} timelines in the file: the first is annotated, "
                             "all are written back")
    timeline = imported.timelines[0]
    moods: dict[str, Sequence[ShotMood]] = {}
    for path in local_sources(timeline):
        shots = analyse(path)
        if shots:
            moods[path] = shots
            result.analysed.append(path)
    offline = {getattr(c.media_reference, "target_url", None) for c in timeline.find_clips()} - {None}
    missing = len(offline) - len(result.analysed)
    if missing > 0:
        result.report.append(f"{missing} source file(s) not on this machine or not analysable: no markers")
    result.markers, result.peaks = add_markers(timeline, moods)
    proposals: list[otio.schema.Timeline] = []
    if propose is not None and result.analysed:
        proposals, notes = propose(list(result.analysed), timeline)
        result.report += [f"proposals: {line}" for line in notes]
        taken = {t.name for t in imported.timelines}
        for proposal in proposals:  # a second run must not give two sequences one name
            base, n = proposal.name or "Proposal", 1
            while proposal.name in taken or not proposal.name:
                n += 1
                proposal.name = f"{base} ({n})"
            taken.add(proposal.name)
        result.proposals = [p.name for p in proposals]
    exported = export_timelines([*imported.timelines, *proposals], target, fmt, probe_media=False)
    result.report += [f"export: {line}" for line in exported.skipped]
    return result


def _seconds(time: otio.opentime.RationalTime) -> Fraction:
    return Fraction(time.value).limit_denominator(1_000_000) / rates.exact_rate(time.rate)
