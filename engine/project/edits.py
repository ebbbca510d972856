"""The editor's changes to a project as undoable edits, with no Qt.

Each edit names its target by identity (a media item's fingerprint, a timeline object), never
by "the current clip", so undo can never land on another clip. Each reverses exactly what it
did rather than restoring a snapshot, so an undo never removes a background result (a
re-analysis merged in meanwhile). The desktop wraps these in QUndoCommands; the CLI and tests
call ``apply``/``revert`` directly.
"""
from __future__ import annotations

import copy
from pathlib import Path

import opentimelineio as otio

from engine.project.identity import is_kept, tag_proposal, timeline_kind
from engine.project.merge import apply_labels
from engine.timeline.model import lookup, meta


class Edit:
    """One undoable change; ``text`` is what the Edit menu says."""

    text = "Edit"

    def apply(self, project) -> None:
        raise NotImplementedError

    def revert(self, project) -> None:
        raise NotImplementedError


def _breakdown(project, fingerprint: str) -> otio.schema.Timeline:
    timeline = project.breakdown(fingerprint)
    if timeline is None:
        raise ValueError("analyse the clip first: it has no shot breakdown yet")
    return timeline


class Relabel(Edit):
    """The editor's label on one shot (keyed by the shot's first frame in the media)."""

    def __init__(self, fingerprint: str, start_frame: int, label: str, shot_number: int | None = None) -> None:
        self.fingerprint, self.start_frame, self.label = fingerprint, int(start_frame), label
        self.text = f"Relabel shot {shot_number or ''} as {label}".replace("  ", " ")
        self._before_label: str | None = None
        self._before_emotion: dict | None = None

    def apply(self, project) -> None:
        self._before_label = project.labels(self.fingerprint).get(self.start_frame)
        clip = self._clip(project)
        if clip is not None:
            self._before_emotion = copy.deepcopy(dict(lookup(clip, "emotion", default={}) or {}))
            self._before_markers = [m.name for m in clip.markers]
            apply_labels(project.breakdown(self.fingerprint), {self.start_frame: self.label})
        project.set_label(self.fingerprint, self.start_frame, self.label)
        project.timeline_edited()

    def revert(self, project) -> None:
        clip = self._clip(project)
        if clip is not None and self._before_emotion is not None:
            # restore only what the relabel wrote: scores a re-analysis merged in meanwhile stay
            emotion = dict(lookup(clip, "emotion", default={}) or {})
            for key in ("label", "source"):
                if key in self._before_emotion:
                    emotion[key] = self._before_emotion[key]
                else:
                    emotion.pop(key, None)
            meta(clip)["emotion"] = emotion
            for marker, name in zip(clip.markers, self._before_markers):
                marker.name = name
        project.set_label(self.fingerprint, self.start_frame, self._before_label)
        project.timeline_edited()

    def _clip(self, project):
        timeline = project.breakdown(self.fingerprint)
        track = next((t for t in timeline.tracks if t.name == "V1"), None) if timeline else None
        if track is None:
            return None
        return next((c for c in track.find_clips(shallow_search=True)
                     if lookup(c, "shot", "start_frame") == self.start_frame), None)


class AddProposals(Edit):
    """A proposal run's results join the project with unique names. The alternatives of the
    previous run that the editor did not keep make way; kept edits are never touched."""

    text = "Add proposals"

    def __init__(self, timelines: list[otio.schema.Timeline]) -> None:
        self.timelines = timelines
        self._replaced: list[tuple[int, otio.schema.Timeline]] = []

    def apply(self, project) -> None:
        self._replaced = [(i, t) for i, t in enumerate(project.timelines)
                          if timeline_kind(t) == "proposal" and not is_kept(t)]
        for _, old in reversed(self._replaced):
            project.timelines.remove(old)
        for timeline in self.timelines:
            timeline.name = project.unique_name(timeline.name)
            tag_proposal(timeline, kept=False)
            project.timelines.append(timeline)

    def revert(self, project) -> None:
        for timeline in self.timelines:
            if timeline in project.timelines:
                project.timelines.remove(timeline)
        for index, old in self._replaced:
            project.timelines.insert(min(index, len(project.timelines)), old)


class KeepProposal(Edit):
    """Mark a proposal kept (or not): kept edits survive every later proposal run. A timeline
    the project does not hold yet (a proposal trimmed to In–Out) joins it, uniquely named."""

    def __init__(self, timeline: otio.schema.Timeline, kept: bool = True) -> None:
        self.timeline, self.kept = timeline, kept
        self.text = f"{'Keep' if kept else 'Unkeep'} “{timeline.name}”"
        self._before = False
        self._added = False

    def apply(self, project) -> None:
        self._added = self.timeline not in project.timelines
        if self._added:
            self.timeline.name = project.unique_name(self.timeline.name)
            tag_proposal(self.timeline)
            project.timelines.append(self.timeline)
        self._before = is_kept(self.timeline)
        meta(self.timeline)["kept"] = self.kept
        project.timeline_edited()

    def revert(self, project) -> None:
        meta(self.timeline)["kept"] = self._before
        if self._added and self.timeline in project.timelines:
            project.timelines.remove(self.timeline)
        project.timeline_edited()


class PlaceElement(Edit):
    """A rendered VFX element on V2 of a media item's breakdown, over a shot."""

    text = "Add VFX element"

    def __init__(self, fingerprint: str, record_range: otio.opentime.TimeRange, file: str | Path,
                 metadata: dict | None = None) -> None:
        self.fingerprint, self.record_range, self.file = fingerprint, record_range, file
        self.metadata = metadata
        self.clip: otio.schema.Clip | None = None

    def apply(self, project) -> None:
        from engine.timeline.placement import place_element

        self.clip = place_element(_breakdown(project, self.fingerprint), self.record_range,
                                  self.file, metadata=self.metadata)
        project.timeline_edited()

    def revert(self, project) -> None:
        track = self.clip.parent() if self.clip is not None else None
        if track is None:
            return
        index = track.index(self.clip)
        track[index] = otio.schema.Gap(source_range=otio.opentime.TimeRange(
            duration=self.clip.source_range.duration))
        timeline = project.breakdown(self.fingerprint)
        if timeline is not None and all(isinstance(i, otio.schema.Gap) for i in track):
            timeline.tracks.remove(track)
        self.clip = None
        project.timeline_edited()


class AttachMarkers(Edit):
    """Timeline markers (a script's beats) on a media item's breakdown."""

    text = "Attach script beats"

    def __init__(self, fingerprint: str, markers: list[otio.schema.Marker]) -> None:
        self.fingerprint, self.markers = fingerprint, list(markers)

    def apply(self, project) -> None:
        _breakdown(project, self.fingerprint).tracks.markers.extend(self.markers)
        project.timeline_edited()

    def revert(self, project) -> None:
        markers = _breakdown(project, self.fingerprint).tracks.markers
        for marker in self.markers:
            for i, present in enumerate(markers):
                if present is marker:
                    del markers[i]
                    break
        project.timeline_edited()
