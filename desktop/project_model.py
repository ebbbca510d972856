"""The one model the whole app shares, as napari's ``ViewerModel``: no Qt here.

It holds the project (media items, breakdown timelines, labels, proposals, elements and
beats: everything saved), the analyses the engine returned (keyed by content fingerprint),
which clip or proposal is on screen, and — in ``timeline``, the timeline view's model —
selection, playhead and In/Out. Views write the editor's actions into it and redraw on its
events; ``MainWindow`` only wires. An import-linter contract keeps Qt out of this module.
"""
from __future__ import annotations

from pathlib import Path

import opentimelineio as otio
from psygnal import Signal, SignalGroup

from desktop.timeline.model import ShotEmotion, TimelineModel
from engine.analysis import Analysis
from engine.project import MediaRef, Project
from engine.project.edits import Edit
from engine.project.identity import timeline_kind, timeline_media
from engine.project.merge import MergeReport
from engine.project.naming import breakdown_names
from engine.refresh import breakdown_name, merge_analysis


class ModelEvents(SignalGroup):
    project = Signal(object)  # a different Project became current
    media = Signal()  # media items or their display names changed
    analysis = Signal(str)  # the fingerprint whose analysis arrived
    current = Signal(object)  # the fingerprint on screen, or None
    proposal = Signal(object)  # the proposal timeline on screen, or None
    status = Signal(str)


class ProjectModel:
    """Everything the app knows, in one place; see the module docstring."""

    def __init__(self, project: Project | None = None) -> None:
        self.events = ModelEvents()
        self.timeline = TimelineModel()
        self.project = project or Project()
        self.analyses: dict[str, Analysis] = {}
        self.current: str | None = None
        self.proposal: otio.schema.Timeline | None = None
        self.status = ""
        self._connect(self.project)

    # -- the project ------------------------------------------------------------------------
    def set_project(self, project: Project) -> None:
        """Make ``project`` current: nothing of the previous one stays on screen."""
        self._disconnect(self.project)
        self.project, self.analyses = project, {}
        self.current = self.proposal = None
        self._connect(project)
        self._clear_view()
        self.events.project.emit(project)
        self.events.media.emit()

    def _connect(self, project: Project) -> None:
        project.events.timelines_changed.connect(self._on_timelines_changed)
        project.events.labels_changed.connect(self._on_labels_changed)
        project.events.media_added.connect(self._on_media_changed)
        project.events.media_removed.connect(self._on_media_changed)

    def _disconnect(self, project: Project) -> None:
        project.events.timelines_changed.disconnect(self._on_timelines_changed)
        project.events.labels_changed.disconnect(self._on_labels_changed)
        project.events.media_added.disconnect(self._on_media_changed)
        project.events.media_removed.disconnect(self._on_media_changed)

    # -- media items ------------------------------------------------------------------------
    def add_media(self, path: str | Path) -> MediaRef:
        """The media item for ``path`` (a file with the same content is the same item)."""
        return self.project.add_media(path)

    def fingerprint_of(self, path: str | Path) -> str | None:
        absolute = Path(path).absolute()
        return next((ref.fingerprint for ref in self.project.media if ref.path == absolute), None)

    def breakdown_name(self, fingerprint: str) -> str:
        return breakdown_name(self.project, fingerprint)

    # -- background results: merged, never undoable -----------------------------------------
    def apply_analysis(self, analysis: Analysis) -> MergeReport | None:
        """An analysis arrived: merge its breakdown into the project (keeping everything the
        editor made) and redraw if its clip is on screen."""
        fingerprint = self.fingerprint_of(analysis.path)
        if fingerprint is None:
            return None  # the clip left the project while it was analysed
        self.analyses[fingerprint] = analysis
        report = merge_analysis(self.project, fingerprint, analysis)
        self.events.analysis.emit(fingerprint)
        if fingerprint == self.current and self.proposal is None:
            self._show_clip(fingerprint)
        return report

    def rename_breakdowns(self) -> None:
        """Display names changed (a same-named clip arrived): breakdowns follow, by identity.

        One pass over the media and one over the timelines: asking ``breakdown_name`` per
        clip named every clip each time, quadratic in a bin of dailies."""
        names = breakdown_names(ref.path for ref in self.project.media)
        path_of = {ref.fingerprint: ref.path for ref in self.project.media if ref.fingerprint}
        for timeline in self.project.timelines:
            fingerprint = timeline_media(timeline) if timeline_kind(timeline) == "breakdown" else None
            path = path_of.pop(fingerprint, None)  # popped: only a clip's first breakdown, as Project.breakdown
            if path is not None and timeline.name != names[path]:
                timeline.name = names[path]
                self.project.timeline_edited()

    # -- the editor's edits (the desktop wraps them in undo commands) -----------------------
    def apply(self, edit: Edit) -> None:
        edit.apply(self.project)

    def revert(self, edit: Edit) -> None:
        edit.revert(self.project)

    # -- what is on screen ------------------------------------------------------------------
    def select_clip(self, fingerprint: str | None) -> None:
        """Show a media item (its breakdown, scores and curves); leaves any proposal."""
        self.current, self.proposal = fingerprint, None
        self._show_clip(fingerprint)
        self.events.proposal.emit(None)
        self.events.current.emit(fingerprint)

    def show_proposal(self, timeline: otio.schema.Timeline | None) -> None:
        """Show a proposal on the timeline (its lanes replace the clip's shots)."""
        from engine.playback import Playlist

        self.proposal = timeline
        model = self.timeline
        if timeline is None:
            self._show_clip(self.current)
        else:
            playlist = Playlist.from_timeline(timeline)
            model.rate, model.length = playlist.rate, playlist.length
            model.shots, model.transitions, model.emotions, model.thumbnails = [], [], {}, {}
            model.valence = model.arousal = None
            model.selected_shot = None
            model.waveforms, model.proposal = {}, timeline
            self._set_timeline(timeline)
        self.events.proposal.emit(timeline)

    def current_breakdown(self) -> otio.schema.Timeline | None:
        return self.project.breakdown(self.current) if self.current else None

    def current_timeline(self) -> otio.schema.Timeline | None:
        """What Export writes: the proposal on screen, else the clip's breakdown."""
        return self.proposal if self.proposal is not None else self.current_breakdown()

    def current_analysis(self) -> Analysis | None:
        return self.analyses.get(self.current) if self.current else None

    def set_status(self, text: str) -> None:
        self.status = text
        self.events.status.emit(text)

    # -- internals --------------------------------------------------------------------------
    def _clear_view(self) -> None:
        model = self.timeline
        model.proposal, model.waveforms = None, {}
        self._set_timeline(None)
        model.shots, model.transitions, model.emotions, model.thumbnails = [], [], {}, {}
        model.valence = model.arousal = None
        model.selected_shot, model.in_point, model.out_point = None, None, None
        model.length, model.playhead = 0, 0

    def _show_clip(self, fingerprint: str | None) -> None:
        model = self.timeline
        # the clip's timeline first, so the proposal is never drawn as if it were the clip
        self._set_timeline(self.project.breakdown(fingerprint) if fingerprint else None)
        model.proposal, model.waveforms = None, {}
        analysis = self.analyses.get(fingerprint) if fingerprint else None
        if analysis is None:
            self._clear_view()
            self._set_timeline(self.project.breakdown(fingerprint) if fingerprint else None)
            return
        model.load_shot_list(analysis.shots)
        model.update_emotions(self.shot_emotions(fingerprint))
        if analysis.emotion is not None:
            model.valence = analysis.emotion.curve.valence
            model.arousal = analysis.emotion.curve.arousal
        else:
            model.valence = model.arousal = None
        self._set_timeline(self.project.breakdown(fingerprint))

    def shot_emotions(self, fingerprint: str) -> dict[int, ShotEmotion]:
        """The engine's scores with the editor's labels over them."""
        analysis = self.analyses.get(fingerprint)
        if analysis is None or analysis.emotion is None:
            return {}
        labels = self.project.labels(fingerprint)
        scores = {}
        for i, (shot, score) in enumerate(zip(analysis.shots.shots, analysis.emotion.shots)):
            label = labels.get(int(shot.start_frame))
            scores[i] = ShotEmotion(label or score.label, score.valence, score.arousal,
                                    1.0 if label else score.confidence)
        return scores

    def _set_timeline(self, timeline) -> None:
        self.timeline.timeline = timeline

    def _on_timelines_changed(self) -> None:
        self.timeline.revision += 1  # elements and markers are edited inside OTIO objects

    def _on_labels_changed(self, fingerprint: str) -> None:
        if fingerprint == self.current and self.proposal is None:
            self.timeline.emotions = self.shot_emotions(fingerprint)

    def _on_media_changed(self, *_args) -> None:
        self.rename_breakdowns()
        self.events.media.emit()

