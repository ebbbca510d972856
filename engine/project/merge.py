"""Re-analysis merges into what the editor made; it never rebuilds it.

A breakdown timeline holds two kinds of things: what analysis generated (V1's clips, the A1
beneath them, one tagged marker per shot) and what the editor added (elements on V2 and up,
script beats and other timeline markers, their own clip markers, labels). :func:`merge_breakdown`
replaces only the first kind, and only where it changed, so opening a project whose analysis
the cache still holds changes nothing and leaves the project unmodified.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import opentimelineio as otio

from engine.project.identity import is_generated, tag_breakdown, timeline_kind
from engine.timeline.model import lookup, meta

ANALYSED_TRACKS = ("V1", "A1")


@dataclass
class MergeReport:
    """What a merge changed in one breakdown timeline (empty when nothing did)."""

    name: str
    created: bool = False
    shots_before: int = 0
    shots_after: int = 0
    ranges_changed: int = 0
    scores_changed: int = 0
    renamed_from: str | None = None
    kept: list[str] = field(default_factory=list)  # what the editor had, carried over

    @property
    def changed(self) -> bool:
        return bool(self.created or self.ranges_changed or self.scores_changed or self.renamed_from
                    or self.shots_before != self.shots_after)

    def summary(self) -> str:
        if self.created:
            return f"{self.name}: new breakdown, {self.shots_after} shots"
        if not self.changed:
            return f"{self.name}: unchanged"
        parts = []
        if self.renamed_from:
            parts.append(f"renamed from “{self.renamed_from}”")
        if self.shots_before != self.shots_after:
            parts.append(f"{self.shots_before} → {self.shots_after} shots")
        if self.ranges_changed:
            parts.append(f"{self.ranges_changed} shot range(s) changed")
        if self.scores_changed:
            parts.append(f"{self.scores_changed} score(s) changed")
        if self.kept:
            parts.append("kept " + ", ".join(self.kept))
        return f"{self.name}: " + "; ".join(parts)


def apply_labels(timeline: otio.schema.Timeline, labels: Mapping[int, str]) -> None:
    """Write the editor's labels (shot start frame → label) onto a breakdown's V1 clips: the
    clip's emotion label and its generated marker, which the NLE exports carry."""
    track = _track(timeline, "V1")
    if track is None:
        return
    for clip in track.find_clips(shallow_search=True):
        start = lookup(clip, "shot", "start_frame")
        label = labels.get(int(start)) if start is not None else None
        if label is None:
            continue
        emotion = dict(lookup(clip, "emotion", default={}) or {})
        if emotion.get("label") == label and emotion.get("source") == "editor":
            continue
        emotion.update(label=label, source="editor")
        meta(clip)["emotion"] = emotion
        for marker in clip.markers:
            if is_generated(marker):
                note = marker.name.split("(", 1)[-1].rstrip(")") if "(" in marker.name else marker.name
                marker.name = f"{label} ({note})"


def merge_breakdown(existing: otio.schema.Timeline, fresh: otio.schema.Timeline) -> MergeReport:
    """Bring ``existing`` up to date with ``fresh`` (a new breakdown of the same media item),
    in place, keeping everything the editor added.

    Generated tracks (V1, A1) take the fresh clips only when their ranges or scores differ.
    The editor's clip markers move to whichever new clip shows their source time; tracks above
    V1, other tracks and timeline markers are left as they are. The name follows ``fresh``.
    """
    report = MergeReport(fresh.name)
    if existing.name != fresh.name:
        report.renamed_from = existing.name
        existing.name = fresh.name
    old_v1, new_v1 = _track(existing, "V1"), _track(fresh, "V1")
    old_clips = list(old_v1.find_clips(shallow_search=True)) if old_v1 is not None else []
    new_clips = list(new_v1.find_clips(shallow_search=True)) if new_v1 is not None else []
    report.shots_before, report.shots_after = len(old_clips), len(new_clips)
    old_by_range = {_range_key(c): c for c in old_clips}
    report.ranges_changed = sum(_range_key(c) not in old_by_range for c in new_clips)
    report.scores_changed = sum(
        _range_key(c) in old_by_range and _emotion(old_by_range[_range_key(c)]) != _emotion(c)
        for c in new_clips)
    if report.shots_before == report.shots_after and not report.ranges_changed \
            and not report.scores_changed:
        return report
    # clip markers sit in the clip's source time, which is the media's own: it survives re-cutting
    editor_markers = [m for c in old_clips for m in c.markers if not is_generated(m)]
    for name in ANALYSED_TRACKS:
        _replace_track(existing, _track(fresh, name), name)
    if editor_markers:
        _reattach(_track(existing, "V1"), editor_markers)
        report.kept.append(f"{len(editor_markers)} clip marker(s)")
    for key in ("rate", "width", "height", "drop_frame"):
        if lookup(fresh, key) is not None:
            meta(existing)[key] = lookup(fresh, key)
    extra = [t.name for t in existing.tracks if t.name not in ANALYSED_TRACKS and len(t)]
    if extra:
        report.kept.append(", ".join(extra))
    if len(existing.tracks.markers):
        report.kept.append(f"{len(existing.tracks.markers)} timeline marker(s)")
    return report


def merge_into_project(project, fingerprint: str, fresh: otio.schema.Timeline,
                       legacy_name: str | None = None) -> MergeReport:
    """Merge ``fresh`` into the project's breakdown of ``fingerprint`` (adopting an untagged
    breakdown named ``legacy_name`` from projects saved before breakdowns carried their
    media's identity), or add it. Labels are applied first. Tells the project only when
    something changed, so an unchanged re-analysis leaves it unmodified."""
    apply_labels(fresh, project.labels(fingerprint))
    tag_breakdown(fresh, fingerprint)
    existing = project.breakdown(fingerprint)
    if existing is None and legacy_name is not None:
        existing = next((t for t in project.timelines
                         if t.name == legacy_name and timeline_kind(t) is None), None)
        if existing is not None:
            tag_breakdown(existing, fingerprint)
    if existing is None:
        project.timelines.append(fresh)
        return MergeReport(fresh.name, created=True, shots_after=len(_clips(fresh)))
    report = merge_breakdown(existing, fresh)
    if report.changed:
        project.timeline_edited()
    return report


def _track(timeline: otio.schema.Timeline, name: str) -> otio.schema.Track | None:
    return next((t for t in timeline.tracks if t.name == name), None)


def _clips(timeline: otio.schema.Timeline) -> list[otio.schema.Clip]:
    track = _track(timeline, "V1")
    return list(track.find_clips(shallow_search=True)) if track is not None else []


def _range_key(clip: otio.schema.Clip) -> tuple:
    r = clip.source_range
    return (r.start_time.to_frames(), r.duration.to_frames())


def _emotion(clip: otio.schema.Clip) -> tuple:
    emotion = lookup(clip, "emotion", default={}) or {}
    return tuple(sorted((str(k), str(v)) for k, v in emotion.items()))


def _replace_track(timeline: otio.schema.Timeline, fresh: otio.schema.Track | None, name: str) -> None:
    old = _track(timeline, name)
    if fresh is None:
        if old is not None and all(isinstance(i, (otio.schema.Clip, otio.schema.Gap)) for i in old):
            timeline.tracks.remove(old)
        return
    if old is None:
        # V1 goes to the bottom of the stack, A1 after the video tracks
        position = 0 if fresh.kind == otio.schema.TrackKind.Video else len(timeline.tracks)
        timeline.tracks.insert(position, fresh.clone())
        return
    while len(old):
        del old[0]
    for item in fresh:
        old.append(item.clone())


def _reattach(track: otio.schema.Track, markers: list) -> None:
    """Put each editor marker on the clip whose source range holds its time."""
    clips = list(track.find_clips(shallow_search=True))
    for marker in markers:
        time = marker.marked_range.start_time
        host = next((c for c in clips if c.source_range.contains(time)), None)
        if host is None and clips:  # past the new ends: the nearest clip keeps it
            host = min(clips, key=lambda c: abs((c.source_range.start_time - time).to_seconds()))
        if host is not None:
            host.markers.append(marker.clone())
