"""The main window: bin, viewer, timeline, inspector and analysis queue as dockable panels."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import QDockWidget, QFileDialog, QMainWindow, QScrollArea, QTabWidget

from desktop import runner
from desktop.analysis_panel import AnalysisPanel
from desktop.export_dialog import ExportDialog
from desktop.inspector import Inspector
from desktop.media_bin import MediaBin
from desktop.project_controller import ProjectController
from desktop.project_model import ProjectModel
from desktop.proposals_panel import ProposalsPanel
from desktop.script.tab import ScriptTab
from desktop.subscriptions import subscribe
from desktop.timeline.view import TimelineView
from desktop.undo import push
from desktop.vfx.tab import VfxTab
from desktop.viewer import Viewer
from engine.analysis import Analysis
from engine.media import MediaInfo
from engine.project.edits import AddProposals, AttachMarkers, KeepProposal, PlaceElement, Relabel
from engine.settings import config_dir

THUMBNAIL_WIDTH = 160
MIN_BIN_WIDTH = 300


def shot_thumbnails(path: Path, middles: list[int], width: int = THUMBNAIL_WIDTH) -> dict[int, np.ndarray]:
    """Middle frame of each shot, small (runs in a worker thread)."""
    from engine.media import FrameReader, probe
    from engine.media.thumbnail import fit_width

    info = probe(path)
    with FrameReader(path, size=fit_width(info, width)) as reader:
        return {i: reader.read(frame).image for i, frame in enumerate(middles)}


def _scrolling(widget):
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    return area


class MainWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("Moviola")
        self.setObjectName("MainWindow")
        self.resize(1500, 900)
        self.bin = MediaBin()
        self.viewer = Viewer()
        self.model = ProjectModel()
        self.timeline_model = self.model.timeline
        self.timeline = TimelineView(self.timeline_model)
        self.inspector = Inspector(self.timeline_model)
        self.analysis = AnalysisPanel()
        self._thumbnail_job: runner.Job | None = None

        self.proposals = ProposalsPanel(self.analysis.runner, lambda: list(self.analyses))
        self.proposals.marks = lambda: (self.timeline_model.in_point, self.timeline_model.out_point)
        self.script = ScriptTab()
        self.vfx = VfxTab()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.viewer, "Viewer")
        # the two tool tabs scroll rather than impose their minimum size on the whole window
        self.tabs.addTab(_scrolling(self.script), "Script")
        self.tabs.addTab(_scrolling(self.vfx), "VFX")
        self.setCentralWidget(self.tabs)
        self.docks: dict[str, QDockWidget] = {}
        # the bin keeps room for names beside its thumbnails, whatever a saved layout says
        self._dock("Media", self.bin, Qt.DockWidgetArea.LeftDockWidgetArea).setMinimumWidth(MIN_BIN_WIDTH)
        # long explanations scroll inside their panels instead of growing the window
        self._dock("Inspector", self.inspector, Qt.DockWidgetArea.RightDockWidgetArea)
        self._dock("Proposals", _scrolling(self.proposals), Qt.DockWidgetArea.RightDockWidgetArea)
        self.tabifyDockWidget(self.docks["Inspector"], self.docks["Proposals"])
        self.docks["Inspector"].raise_()
        self._dock("Timeline", self.timeline, Qt.DockWidgetArea.BottomDockWidgetArea)
        self._dock("Analysis", self.analysis, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.tabifyDockWidget(self.docks["Timeline"], self.docks["Analysis"])
        self.docks["Timeline"].raise_()
        self.resizeDocks([self.docks["Media"], self.docks["Inspector"]], [470, 300],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["Timeline"]], [300], Qt.Orientation.Vertical)

        self.undo_stack = QUndoStack(self)
        self.projects = ProjectController(self, self.model.project)
        self.projects.changed.connect(self._on_project_changed)
        self.projects.message.connect(self.statusBar().showMessage)
        self._build_menus()
        self._watch(self.projects.project)
        self.bin.clip_selected.connect(self._on_clip_selected)
        self.bin.problem_selected.connect(self.viewer.show_problem)
        self.bin.imported.connect(self._on_imported)
        self.bin.failed.connect(self._on_failed)
        self.analysis.analysed.connect(self._on_analysed)
        self.inspector.relabel_requested.connect(self._on_relabel)
        self.proposals.proposals_ready.connect(self._on_proposals)
        self.proposals.proposal_chosen.connect(self._on_proposal_chosen)
        if hasattr(self.proposals, "proposal_kept"):
            self.proposals.proposal_kept.connect(self._on_proposal_kept)
        self.proposals.set_model(self.model) if hasattr(self.proposals, "set_model") else None
        self.vfx.element_rendered.connect(self._on_element_rendered)
        self.script.markers_ready.connect(self._on_script_markers)
        self.analysis.file_failed.connect(
            lambda path, message: self.statusBar().showMessage(f"Analysis failed: {message}"))
        self.analysis.notice.connect(self.statusBar().showMessage)  # e.g. the cluster is unreachable
        self.viewer.playback.position_changed.connect(self._on_playback_position)
        self.viewer.playback.marks_changed.connect(self._on_marks)
        subscribe(self, ((self.timeline_model.events.playhead, self._on_playhead_changed),
                         (self.timeline_model.events.selected_shot, self._on_shot_selected),
                         (self.timeline_model.events.in_point, self._on_model_marks),
                         (self.timeline_model.events.out_point, self._on_model_marks),
                         (self.model.events.analysis, self._on_model_analysis)))
        # --- transcript panel (issue 15): words of the selected clip, following the playhead ---
        from desktop.transcript.panel import TranscriptPanel
        self.transcript = TranscriptPanel(self.analysis, self.timeline_model)
        # selects edits go through the undo stack; the panel says why one could not be done
        self.transcript.apply_edit = lambda edit: push(self.undo_stack, self.model, edit)
        self._dock("Transcript", self.transcript, Qt.DockWidgetArea.RightDockWidgetArea)
        self.tabifyDockWidget(self.docks["Proposals"], self.docks["Transcript"])
        self.docks["Inspector"].raise_()
        self.bin.clip_selected.connect(self.transcript.show_clip)
        self.transcript.clip_requested.connect(self.bin.select_path)
        subscribe(self.transcript, ((self.timeline_model.events.playhead, self.transcript.follow_playhead),))
        self.transcribe_action = QAction("&Transcribe Selected Clips", self)
        self.transcribe_action.triggered.connect(self.transcribe_selected)
        next(a.menu() for a in self.menuBar().actions() if a.text() == "&Analysis").addAction(
            self.transcribe_action)
        # --- end transcript panel ---
        # --- audience tab (issue 17): history, skill, predictions of the project's cuts, thumbnails ---
        from desktop.audience.tab import AudienceTab
        self.audience = AudienceTab()
        self.tabs.addTab(_scrolling(self.audience), "Audience")
        self.audience.set_project_model(self.model)
        self.bin.clip_selected.connect(self.audience.set_clip)
        # after the window has added them to the project (connected earlier), under their final names
        self.proposals.proposals_ready.connect(self.audience.predict_timelines)
        self.audience.scores_ready.connect(self.proposals.set_audience_scores)
        # --- end audience tab ---
        self._restore_layout()
        self._apply_settings()
        self.statusBar().showMessage("Ready — import footage with Ctrl+I or drop it on the bin")

    def _dock(self, title: str, widget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock{title}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.docks[title] = dock
        return dock

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        for text, shortcut, slot in (
            ("&New Project", QKeySequence.StandardKey.New, self.projects.new),
            ("&Open Project…", QKeySequence.StandardKey.Open, lambda: self.projects.open()),
            ("&Save Project", QKeySequence.StandardKey.Save, self.projects.save),
            ("Save Project &As…", QKeySequence.StandardKey.SaveAs, lambda: self.projects.save_as()),
            ("Open &Recent", None, None),
            (None, None, None),
            ("&Import Files…", "Ctrl+I", self.import_files_dialog),
            ("Import &Folder…", "Ctrl+Shift+I", self.import_folder_dialog),
            ("&Export Timeline…", "Ctrl+E", self.export_dialog),
            ("&Annotate Timeline…", None, lambda: self.annotate_timeline()),
        ):
            if text is None:
                file_menu.addSeparator()
                continue
            if slot is None:
                self.recent_menu = file_menu.addMenu(text)
                self.recent_menu.aboutToShow.connect(self._fill_recent)
                continue
            action = QAction(text, self)
            if shortcut is not None:
                action.setShortcut(QKeySequence(shortcut))
            action.triggered.connect(slot)
            file_menu.addAction(action)
        file_menu.addSeparator()
        edit_menu = self.menuBar().addMenu("&Edit")
        undo = self.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = self.undo_stack.createRedoAction(self, "&Redo")
        # both NLE habits; StandardKey.Redo already is one of them on some platforms, and a
        # key bound twice is "ambiguous" to Qt and does nothing
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        edit_menu.addAction(undo)
        edit_menu.addAction(redo)
        edit_menu.addSeparator()
        settings_action = QAction("&Settings…", self)
        settings_action.setShortcut(QKeySequence.StandardKey.Preferences)
        settings_action.triggered.connect(self.settings_dialog)
        edit_menu.addAction(settings_action)
        self._build_playback_menu()
        analysis_menu = self.menuBar().addMenu("&Analysis")
        action = QAction("Analyse &Selected Clips", self)
        action.setShortcut(QKeySequence("Ctrl+R"))
        action.triggered.connect(self.analyse_selected)
        analysis_menu.addAction(action)
        view_menu = self.menuBar().addMenu("&View")
        for dock in self.docks.values():
            view_menu.addAction(dock.toggleViewAction())
        quit_action = QAction("&Quit", self)
        # StandardKey.Quit is empty where Qt finds no desktop theme (a bare X server)
        quit_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Quit).toString() or "Ctrl+Q")
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

    def _build_playback_menu(self) -> None:
        """NLE keyboard habits: Space, J/K/L, arrows, Home/End, I/O."""
        playback = self.viewer.playback
        menu = self.menuBar().addMenu("&Playback")
        for text, keys, slot in (
            ("Play / Pause", ["Space"], playback.toggle),
            ("Shuttle Reverse", ["J"], playback.shuttle_reverse),
            ("Stop", ["K"], playback.pause),
            ("Shuttle Forward", ["L"], playback.shuttle_forward),
            ("Step Back", ["Left"], lambda: playback.step(-1)),
            ("Step Forward", ["Right"], lambda: playback.step(1)),
            ("Go to Start", ["Home"], playback.go_to_start),
            ("Go to End", ["End"], playback.go_to_end),
            ("Mark In", ["I"], playback.mark_in),
            ("Mark Out", ["O"], playback.mark_out),
        ):
            action = QAction(text, self)
            action.setShortcuts([QKeySequence(k) for k in keys])
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(slot)
            menu.addAction(action)

    def settings_dialog(self) -> None:
        from desktop.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self)
        if dialog.exec():
            self._apply_settings()
            self.statusBar().showMessage("Settings saved")

    def _apply_settings(self) -> None:
        from engine.settings import load

        self.script.model.setText(load().script_model)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for path in self.projects.recent():
            self.recent_menu.addAction(path.name, lambda p=path: self.projects.open(p)).setToolTip(str(path))
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("(none yet)").setEnabled(False)

    # -- importing ---------------------------------------------------------------------------
    def import_paths(self, paths) -> None:
        added = self.bin.import_paths(paths)
        if added:
            self.statusBar().showMessage(f"Probing {len(added)} file(s)…")
            if not self.bin.selectedItems():
                self.bin.setCurrentItem(self.bin.topLevelItem(0))

    def import_files_dialog(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Import media")
        self.import_paths(files)

    def import_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Import folder")
        if folder:
            self.import_paths([folder])

    def _on_imported(self, path: Path, info: MediaInfo) -> None:
        try:
            self.model.add_media(path)
        except OSError as exc:
            self._report_progress(f"Could not import {path.name}: {exc.strerror or exc}")
            return
        if info.video is not None:
            self.analysis.enqueue(path)  # analysis starts as footage arrives
        self._report_progress(f"Imported {path.name}")

    # -- analysis ----------------------------------------------------------------------------
    def analyse_selected(self) -> None:
        for path in self.bin.selected_paths():
            info = self.bin.info(path)
            if info is not None and info.video is not None:
                self.analysis.enqueue(path)

    def transcribe_selected(self) -> None:
        """Queue the transcript stage of every selected clip that has sound."""
        for path in self.bin.selected_paths():
            info = self.bin.info(path)
            if info is not None and info.audio:
                self.analysis.enqueue(path, stages=("transcript",))

    @property
    def analyses(self) -> dict[Path, Analysis]:
        """Analyses by file path (the model keys them by content fingerprint)."""
        return {a.path: a for a in self.model.analyses.values()}

    @property
    def current(self) -> Path | None:
        ref = self.model.project.media_item(self.model.current) if self.model.current else None
        return ref.path if ref is not None else None

    def _on_analysed(self, analysis: Analysis) -> None:
        report = self.model.apply_analysis(analysis)  # a background result: merged, not undoable
        n = len(analysis.shots.shots)
        changed = f" — {report.summary()}" if report is not None and report.changed and not report.created else ""
        self.statusBar().showMessage(f"{analysis.path.name}: {n} shots found{changed}")

    def _on_model_analysis(self, fingerprint: str) -> None:
        if fingerprint == self.model.current and self.model.proposal is None:
            self._show_analysis(self.model.analyses[fingerprint])

    def _show_analysis(self, analysis: Analysis) -> None:
        model = self.timeline_model
        if analysis.emotion is not None:
            shots = analysis.emotion.shots
            self.inspector.explanations = {
                i: [(f"{c.feature} → {c.target}", c.contribution) for c in s.explanation]
                for i, s in enumerate(shots)}
            self.inspector.features = {i: s.features for i, s in enumerate(shots)}
            emotions = self.model.shot_emotions(self.model.current)
            self.script.set_footage(
                [{"start": s.start_frame, "end": s.end_frame, "label": emotions[i].label,
                  "valence": s.valence, "arousal": s.arousal,
                  "faces": int(s.features.get("face_count", 0))} for i, s in enumerate(shots)],
                analysis.info.video.frame_rate, analysis.path)
        middles = [(s.start_frame + s.end_frame) // 2 for s in analysis.shots.shots]
        if self._thumbnail_job is not None:
            self._thumbnail_job.cancel()
        job = runner.threads().submit(shot_thumbnails, analysis.path, middles)
        fingerprint = self.model.current
        job.finished.connect(
            lambda thumbs, f=fingerprint: f == self.model.current and self.model.proposal is None
            and setattr(model, "thumbnails", thumbs))
        self._thumbnail_job = job
        self.timeline.zoom_to_fit()

    # -- proposals, VFX, script: the editor's edits, each undoable ---------------------------
    def _edit(self, edit) -> bool:
        failed = push(self.undo_stack, self.model, edit)
        if failed:
            self.statusBar().showMessage(f"Not done: {failed}")
        return failed is None

    def _on_proposals(self, timelines: list) -> None:
        if self._edit(AddProposals(timelines)):
            self.statusBar().showMessage(f"{len(timelines)} proposals added to the project")

    def _on_proposal_kept(self, timeline) -> None:
        if self._edit(KeepProposal(timeline)):
            self.statusBar().showMessage(f"Kept “{timeline.name}”: later proposals never replace it")

    def _on_proposal_chosen(self, timeline) -> None:
        from engine.playback import Playlist
        from engine.playback.waveform import frame_peaks

        self.model.show_proposal(timeline)
        model = self.timeline_model
        self.timeline.zoom_to_fit()
        self.tabs.setCurrentWidget(self.viewer)
        playlist = Playlist.from_timeline(timeline)
        self.viewer.play(playlist)
        lanes = {track.name or f"A{i + 1}": Playlist.from_track(track, playlist.rate)
                 for i, track in enumerate(timeline.audio_tracks()[:2])}
        job = runner.threads().submit(lambda: {name: frame_peaks(p) for name, p in lanes.items()})
        # the A1/A2 envelopes, decoded off the GUI thread
        job.finished.connect(
            lambda peaks, t=timeline: model.proposal is t and setattr(model, "waveforms", peaks))

    def _on_shot_selected(self, index) -> None:
        analysis = self.model.current_analysis()
        if index is None or analysis is None or index >= len(analysis.shots.shots):
            return
        shot = analysis.shots.shots[index]
        self.vfx.set_shot(analysis.path, analysis.info, shot.start_frame, shot.end_frame)

    def _on_element_rendered(self, element: dict) -> None:
        from engine.timeline import rates

        fingerprint = self.model.fingerprint_of(element["path"])
        analysis = self.model.analyses.get(fingerprint) if fingerprint else None
        if analysis is None or self.model.project.breakdown(fingerprint) is None:
            self.statusBar().showMessage("Analyse the clip before adding elements to its timeline")
            return
        rate = analysis.info.video.frame_rate
        span = rates.time_range(element["start"], element["end"] - element["start"] + 1, rate)
        if self._edit(PlaceElement(fingerprint, span, element["file"], {"kind": element.get("kind")})):
            self.statusBar().showMessage(
                f"Added {Path(element['file']).name} on V2 of “{self.model.breakdown_name(fingerprint)}”")

    def _on_script_markers(self, markers) -> None:
        fingerprint = self.model.current
        if fingerprint is None or self.model.project.breakdown(fingerprint) is None:
            self.statusBar().showMessage("Select an analysed clip to attach the script's beats to")
            return
        if self._edit(AttachMarkers(fingerprint, markers)):
            self.statusBar().showMessage(
                f"{len(markers)} script beats attached to “{self.model.breakdown_name(fingerprint)}”")

    def _on_relabel(self, index: int, label: str) -> None:
        fingerprint, analysis = self.model.current, self.model.current_analysis()
        if analysis is None or index >= len(analysis.shots.shots):
            return
        shot = analysis.shots.shots[index]
        if not self._edit(Relabel(fingerprint, shot.start_frame, label, index + 1)):
            return
        if analysis.emotion is None:
            return
        features = analysis.emotion.shots[index].features
        job = self.analysis.runner.submit("engine.affect.relabel:relabel_job", analysis.path,
                                          shot.start_frame, shot.end_frame, label, features)
        job.finished.connect(lambda message: self.statusBar().showMessage(str(message)))
        job.failed.connect(lambda message: self.statusBar().showMessage(f"Label not learned: {message}"))

    def current_timeline(self):
        """What Export writes: the proposal or clip on screen, else the project's last timeline."""
        timelines = list(self.model.project.timelines)
        return self.model.current_timeline() or (timelines[-1] if timelines else None)

    def export_dialog(self) -> None:
        timeline = self.current_timeline()
        if timeline is None:
            self.statusBar().showMessage("Nothing to export yet: analyse a clip first")
            return
        project = self.model.project
        folder = project.path.parent if project.path else Path.cwd()
        dialog = ExportDialog(timeline, folder, self)
        if dialog.exec() and dialog.result_path:
            self.statusBar().showMessage(f"Exported {dialog.result_path}")

    def annotate_timeline(self, path: Path | None = None, output: Path | None = None):
        """The editor's Premiere/Resolve timeline back with emotion markers (in the worker)."""
        if path is None:
            name, _ = QFileDialog.getOpenFileName(self, "Annotate a timeline", "",
                                                  "Timelines (*.xml *.fcpxml *.otio)")
            if not name:
                return None
            path = Path(name)
        self.statusBar().showMessage(f"Annotating {path.name}: analysing its sources…")
        job = self.analysis.runner.submit("engine.annotate:annotate_job", str(path),
                                          str(output) if output else None)
        job.finished.connect(lambda line: self.statusBar().showMessage(str(line)))
        job.failed.connect(lambda message: self.statusBar().showMessage(f"Not annotated: {message}"))
        return job

    # -- playhead and marks: one place, the timeline model -----------------------------------
    def _on_playback_position(self, frame: int) -> None:
        if self.timeline_model.playhead != frame:
            self.timeline_model.playhead = frame

    def _on_playhead_changed(self, frame: int) -> None:
        if self.viewer.playback.position != frame and self.viewer.playback.speed == 0:
            self.viewer.playback.seek(frame)

    def _on_marks(self, in_point, out_point) -> None:
        self.timeline_model.in_point, self.timeline_model.out_point = in_point, out_point

    def _on_model_marks(self, *_args) -> None:
        self.viewer.set_marks(self.timeline_model.in_point, self.timeline_model.out_point)

    def _on_failed(self, path: Path, message: str) -> None:
        self._report_progress(f"Could not import {message}")

    # -- project -----------------------------------------------------------------------------
    def _watch(self, project) -> None:
        project.events.dirty_changed.connect(self._update_title)
        project.events.path_changed.connect(self._update_title)
        self._update_title()

    def _on_project_changed(self, project) -> None:
        self.undo_stack.clear()  # edits of the previous project cannot be undone into this one
        self.model.set_project(project)
        self.bin.clear_clips()
        self.viewer.clear()
        self._watch(project)
        missing = {ref.path for ref in project.link_report.missing}
        # re-probing re-analyses (instant from the cache) and merges: nothing the editor made is lost
        self.import_paths([ref.path for ref in project.media if ref.path not in missing])
        for path in sorted(missing):
            self.bin.show_offline(path)

    def _update_title(self, *_args) -> None:
        project = self.projects.project
        name = project.path.name if project.path else "Untitled"
        self.setWindowTitle(f"{name}{' *' if project.dirty else ''} — Moviola")

    def closeEvent(self, event) -> None:
        if not self.projects.confirm_discard():
            event.ignore()
            return
        self._layout_settings().setValue("geometry", self.saveGeometry())
        self._layout_settings().setValue("state", self.saveState())
        self.viewer.playback.close()
        self.script.shutdown()
        self.vfx.shutdown()
        self.audience.shutdown()
        self.analysis.shutdown()
        event.accept()

    def _layout_settings(self) -> QSettings:  # the same file the recent-projects list uses
        return QSettings(str(config_dir() / "window.ini"), QSettings.Format.IniFormat)

    def _restore_layout(self) -> None:
        settings = self._layout_settings()
        if settings.value("geometry") is not None:
            self.restoreGeometry(settings.value("geometry"))
        if settings.value("state") is not None:
            self.restoreState(settings.value("state"))

    def _report_progress(self, last: str) -> None:
        pending = self.bin.pending()
        tail = f" — {pending} still probing" if pending else ""
        self.statusBar().showMessage(last + tail)

    def _on_clip_selected(self, path: Path, info: MediaInfo) -> None:
        try:  # the bin may report the selection before the import; both name the same item
            fingerprint = self.model.add_media(path).fingerprint
        except OSError as exc:
            self.statusBar().showMessage(f"Cannot read {path.name}: {exc.strerror or exc}")
            return
        self.viewer.show_clip(path, info)
        self.model.select_clip(fingerprint)
        analysis = self.model.current_analysis()
        if analysis is not None:
            self._show_analysis(analysis)
        elif info.video is not None:
            self.timeline_model.rate = info.video.frame_rate
            self.timeline_model.length = info.video.frame_count
            self.timeline.zoom_to_fit()
