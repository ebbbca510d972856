"""The main window: media bin beside the viewer, menus and a status bar."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QFileDialog, QLabel, QMainWindow, QSplitter, QVBoxLayout,
                               QWidget)

from desktop.media_bin import MediaBin
from desktop.project_controller import ProjectController
from desktop.viewer import Viewer
from engine.media import MediaInfo


def _titled(title: str, widget: QWidget) -> QWidget:
    panel = QWidget()
    layout = QVBoxLayout(panel)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    label = QLabel(title)
    label.setObjectName("panelTitle")
    layout.addWidget(label)
    layout.addWidget(widget, 1)
    return panel


class MainWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("Moviola")
        self.resize(1400, 820)
        self.bin = MediaBin()
        self.viewer = Viewer()
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(_titled("Media", self.bin))
        splitter.addWidget(_titled("Viewer", self.viewer))
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([560, 840])
        self.setCentralWidget(splitter)
        self.projects = ProjectController(self)
        self.projects.changed.connect(self._on_project_changed)
        self.projects.message.connect(self.statusBar().showMessage)
        self._build_menus()
        self._watch(self.projects.project)
        self.bin.clip_selected.connect(self._on_clip_selected)
        self.bin.problem_selected.connect(self.viewer.show_problem)
        self.bin.imported.connect(self._on_imported)
        self.bin.failed.connect(self._on_failed)
        self.statusBar().showMessage("Ready — import footage with Ctrl+I or drop it on the bin")

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        for text, shortcut, slot in (
            ("&New Project", QKeySequence.StandardKey.New, self.projects.new),
            ("&Open Project…", QKeySequence.StandardKey.Open, lambda: self.projects.open()),
            ("&Save Project", QKeySequence.StandardKey.Save, self.projects.save),
            ("Save Project &As…", QKeySequence.StandardKey.SaveAs, lambda: self.projects.save_as()),
            (None, None, None),
            ("&Import Files…", "Ctrl+I", self.import_files_dialog),
            ("Import &Folder…", "Ctrl+Shift+I", self.import_folder_dialog),
        ):
            if text is None:
                file_menu.addSeparator()
                continue
            action = QAction(text, self)
            action.setShortcut(QKeySequence(shortcut))
            action.triggered.connect(slot)
            file_menu.addAction(action)
        file_menu.addSeparator()
        self._build_playback_menu()
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
        self._report_progress(f"Imported {path.name}")

    def _on_failed(self, path: Path, message: str) -> None:
        self._report_progress(f"Could not import {message}")

    # -- project -----------------------------------------------------------------------------
    def _watch(self, project) -> None:
        project.events.dirty_changed.connect(self._update_title)
        project.events.path_changed.connect(self._update_title)
        self._update_title()

    def _on_project_changed(self, project) -> None:
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
        if self.projects.confirm_discard():
            event.accept()
        else:
            event.ignore()

    def _report_progress(self, last: str) -> None:
        pending = self.bin.pending()
        tail = f" — {pending} still probing" if pending else ""
        self.statusBar().showMessage(last + tail)

    def _on_clip_selected(self, path: Path, info: MediaInfo) -> None:
        self.viewer.show_clip(path, info)
