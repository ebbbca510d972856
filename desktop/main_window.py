"""The main window: bin, viewer, timeline, inspector and analysis queue as dockable panels."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import QDockWidget, QFileDialog, QMainWindow, QScrollArea, QTabWidget

from desktop import workers
from desktop.analysis_panel import AnalysisPanel
from desktop.export_dialog import ExportDialog
from desktop.inspector import Inspector
from desktop.media_bin import MediaBin
from desktop.project_controller import ProjectController
from desktop.proposals_panel import ProposalsPanel
from desktop.script_tab import ScriptTab
from desktop.subscriptions import subscribe
from desktop.timeline.model import ShotEmotion, TimelineModel
from desktop.timeline.view import TimelineView
from desktop.undo import EditTimelines, RelabelShot
from desktop.vfx_tab import VfxTab
from desktop.viewer import Viewer
from engine.analysis import Analysis
from engine.media import MediaInfo
from engine.project.paths import config_dir

THUMBNAIL_WIDTH = 160


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


def _emotion_dicts(analysis: Analysis) -> list[dict] | None:
    """Per-shot emotion as the timeline metadata convention wants it."""
    if analysis.emotion is None:
        return None
    return [{"label": s.label, "valence": round(s.valence, 3), "arousal": round(s.arousal, 3),
             "confidence": round(s.confidence, 3)} for s in analysis.emotion.shots]


class MainWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("Moviola")
        self.setObjectName("MainWindow")
        self.resize(1500, 900)
        self.bin = MediaBin()
        self.viewer = Viewer()
        self.timeline_model = TimelineModel()
        self.timeline = TimelineView(self.timeline_model)
        self.inspector = Inspector(self.timeline_model)
        self.analysis = AnalysisPanel()
        self.analyses: dict[Path, Analysis] = {}
        self.current: Path | None = None
        self._thumbnail_job: workers.Job | None = None

        self.proposals = ProposalsPanel(self.analysis.runner, lambda: list(self.analyses))
        self.proposals.marks = lambda: (self.viewer.playback.in_point, self.viewer.playback.out_point)
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
        self._dock("Media", self.bin, Qt.DockWidgetArea.LeftDockWidgetArea)
        self._dock("Inspector", self.inspector, Qt.DockWidgetArea.RightDockWidgetArea)
        self._dock("Proposals", self.proposals, Qt.DockWidgetArea.RightDockWidgetArea)
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
        self.projects = ProjectController(self)
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
        self.vfx.element_rendered.connect(self._on_element_rendered)
        self.script.markers_ready.connect(self._on_script_markers)
        self.analysis.file_failed.connect(
            lambda path, message: self.statusBar().showMessage(f"Analysis failed: {message}"))
        self.viewer.playback.position_changed.connect(self._on_playback_position)
        subscribe(self, ((self.timeline_model.events.playhead, self._on_playhead_changed),
                         (self.timeline_model.events.selected_shot, self._on_shot_selected)))
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
        ):
            if text is None:
                file_menu.addSeparator()
                continue
            if slot is None:
                self.recent_menu = file_menu.addMenu(text)
                self.recent_menu.aboutToShow.connect(self._fill_recent)
                continue
            action = QAction(text, self)
            action.setShortcut(QKeySequence(shortcut))
            action.triggered.connect(slot)
            file_menu.addAction(action)
        file_menu.addSeparator()
        edit_menu = self.menuBar().addMenu("&Edit")
        undo = self.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = self.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcuts([QKeySequence.StandardKey.Redo, QKeySequence("Ctrl+Shift+Z")])
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
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
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
        self.projects.project.add_media(path)
        if info.video is not None:
            self.analysis.enqueue(path)  # analysis starts as footage arrives
        self._report_progress(f"Imported {path.name}")

    # -- analysis ----------------------------------------------------------------------------
    def analyse_selected(self) -> None:
        for path in self.bin.selected_paths():
            info = self.bin.info(path)
            if info is not None and info.video is not None:
                self.analysis.enqueue(path)

    def _on_analysed(self, analysis: Analysis) -> None:
        from engine.timeline.breakdown import breakdown

        self.analyses[analysis.path] = analysis
        timeline = breakdown(analysis.info, analysis.shots, _emotion_dicts(analysis))
        project = self.projects.project
        project.timelines = [t for t in project.timelines if t.name != timeline.name] + [timeline]
        n = len(analysis.shots.shots)
        self.statusBar().showMessage(f"{analysis.path.name}: {n} shots found")
        if analysis.path == self.current:
            self._show_analysis(analysis)

    def _show_analysis(self, analysis: Analysis) -> None:
        model = self.timeline_model
        model.load_shot_list(analysis.shots)
        if analysis.emotion is not None:
            shots = analysis.emotion.shots
            self.inspector.explanations = {
                i: [(f"{c.feature} → {c.target}", c.contribution) for c in s.explanation]
                for i, s in enumerate(shots)}
            self.inspector.features = {i: s.features for i, s in enumerate(shots)}
            model.update_emotions({i: ShotEmotion(s.label, s.valence, s.arousal, s.confidence)
                                   for i, s in enumerate(shots)})
            model.valence = analysis.emotion.curve.valence
            model.arousal = analysis.emotion.curve.arousal
            self.script.set_footage(
                [{"start": s.start_frame, "end": s.end_frame, "label": s.label, "valence": s.valence,
                  "arousal": s.arousal, "faces": int(s.features.get("face_count", 0))} for s in shots],
                analysis.info.video.frame_rate)
        middles = [(s.start_frame + s.end_frame) // 2 for s in analysis.shots.shots]
        if self._thumbnail_job is not None:
            self._thumbnail_job.cancel()
        job = workers.Job(shot_thumbnails, analysis.path, middles)
        job.signals.finished.connect(
            lambda thumbs, p=analysis.path: p == self.current and setattr(model, "thumbnails", thumbs))
        self._thumbnail_job = workers.start(job)
        self.timeline.zoom_to_fit()

    # -- proposals, VFX, script --------------------------------------------------------------
    def _on_proposals(self, timelines: list) -> None:
        project = self.projects.project
        names = {t.name for t in timelines}

        def add() -> None:
            project.timelines = [t for t in project.timelines if t.name not in names] + timelines
        self.undo_stack.push(EditTimelines(project, "Add proposals", add))
        self.statusBar().showMessage(f"{len(timelines)} proposals added to the project")

    def _on_proposal_chosen(self, timeline) -> None:
        from engine.playback import Playlist

        from engine.playback.waveform import frame_peaks

        self.current = None  # the viewer now plays an edit, not a clip
        playlist = Playlist.from_timeline(timeline)
        model = self.timeline_model
        model.rate, model.length = playlist.rate, playlist.length
        model.shots, model.transitions, model.emotions = [], [], {}
        model.valence = model.arousal = None
        model.proposal, model.waveforms = timeline, {}
        self.timeline.zoom_to_fit()
        self.tabs.setCurrentWidget(self.viewer)
        self.viewer.play(playlist)
        lanes = {track.name or f"A{i + 1}": Playlist.from_track(track, playlist.rate)
                 for i, track in enumerate(timeline.audio_tracks()[:2])}
        job = workers.Job(lambda: {name: frame_peaks(p) for name, p in lanes.items()})
        # the A1/A2 envelopes, decoded off the GUI thread
        job.signals.finished.connect(
            lambda peaks, t=timeline: model.proposal is t and setattr(model, "waveforms", peaks))
        workers.start(job)

    def _on_shot_selected(self, index) -> None:
        analysis = self.analyses.get(self.current)
        if index is None or analysis is None or index >= len(analysis.shots.shots):
            return
        shot = analysis.shots.shots[index]
        self.vfx.set_shot(analysis.path, analysis.info, shot.start_frame, shot.end_frame)

    def _on_element_rendered(self, element: dict) -> None:
        from engine.timeline import rates
        from engine.vfx.placement import place_element

        timeline = self._breakdown(Path(element["path"]))
        if timeline is None:
            self.statusBar().showMessage("Analyse the clip before adding elements to its timeline")
            return
        rate = self.analyses[Path(element["path"])].info.video.frame_rate
        span = rates.time_range(element["start"], element["end"] - element["start"] + 1, rate)
        errors: list[str] = []

        def place() -> None:
            try:
                place_element(self._breakdown(Path(element["path"])), span, element["file"],
                              metadata={"kind": element.get("kind")})
            except ValueError as exc:
                errors.append(str(exc))
        self.undo_stack.push(EditTimelines(self.projects.project, "Add VFX element", place))
        if errors:
            self.undo_stack.undo()
            self.statusBar().showMessage(f"Not added: {errors[0]}")
            return
        self.statusBar().showMessage(f"Added {Path(element['file']).name} on V2 of “{timeline.name}”")

    def _on_script_markers(self, markers) -> None:
        timeline = self._breakdown(self.current) if self.current else None
        if timeline is None:
            self.statusBar().showMessage("Select an analysed clip to attach the script's beats to")
            return
        path = self.current
        self.undo_stack.push(EditTimelines(self.projects.project, "Attach script beats",
                                           lambda: self._breakdown(path).tracks.markers.extend(markers)))
        self.statusBar().showMessage(f"{len(markers)} script beats attached to “{timeline.name}”")

    def _breakdown(self, path: Path | None):
        name = f"{path.stem} — shots" if path else None
        return next((t for t in self.projects.project.timelines if t.name == name), None)

    def _on_relabel(self, index: int, label: str) -> None:
        self.undo_stack.push(RelabelShot(self.timeline_model, index, label))
        analysis = self.analyses.get(self.current)
        if analysis is None or analysis.emotion is None:
            return
        shot = analysis.emotion.shots[index]
        job = self.analysis.runner.submit("engine.affect.relabel:relabel_job", analysis.path,
                                          shot.start_frame, shot.end_frame, label, shot.features)
        job.signals.finished.connect(self.statusBar().showMessage)
        job.signals.failed.connect(lambda message: self.statusBar().showMessage(f"Label not saved: {message}"))

    def current_timeline(self):
        """What Export writes: the selected clip's shot breakdown, else the project's last timeline."""
        timelines = list(self.projects.project.timelines)
        if self.current is not None:
            name = f"{self.current.stem} — shots"
            for timeline in timelines:
                if timeline.name == name:
                    return timeline
        return timelines[-1] if timelines else None

    def export_dialog(self) -> None:
        timeline = self.timeline_model.proposal if self.current is None else self.current_timeline()
        timeline = timeline or self.current_timeline()
        if timeline is None:
            self.statusBar().showMessage("Nothing to export yet: analyse a clip first")
            return
        folder = self.projects.project.path.parent if self.projects.project.path else Path.home()
        dialog = ExportDialog(timeline, folder, self)
        if dialog.exec() and dialog.result_path:
            self.statusBar().showMessage(f"Exported {dialog.result_path}")

    # -- playhead sync -----------------------------------------------------------------------
    def _on_playback_position(self, frame: int) -> None:
        if self.timeline_model.playhead != frame:
            self.timeline_model.playhead = frame

    def _on_playhead_changed(self, frame: int) -> None:
        if self.viewer.playback.position != frame and self.viewer.playback.speed == 0:
            self.viewer.playback.seek(frame)

    def _on_failed(self, path: Path, message: str) -> None:
        self._report_progress(f"Could not import {message}")

    # -- project -----------------------------------------------------------------------------
    def _watch(self, project) -> None:
        project.events.dirty_changed.connect(self._update_title)
        project.events.path_changed.connect(self._update_title)
        self._update_title()

    def _on_project_changed(self, project) -> None:
        self.undo_stack.clear()  # edits of the previous project cannot be undone into this one
        self.bin.clear_clips()
        self.viewer.clear()
        self._watch(project)
        missing = {ref.path for ref in project.link_report.missing}
        self.bin.import_paths(ref.path for ref in project.media if ref.path not in missing)
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
        self.current = path
        self.viewer.show_clip(path, info)
        analysis = self.analyses.get(path)
        if analysis is not None:
            self._show_analysis(analysis)
        elif info.video is not None:
            self.timeline_model.rate = info.video.frame_rate
            self.timeline_model.shots, self.timeline_model.transitions = [], []
            self.timeline_model.length = info.video.frame_count
            self.timeline.zoom_to_fit()
