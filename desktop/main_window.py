"""The main window: media bin beside the viewer, menus and a status bar."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QFileDialog, QLabel, QMainWindow, QSplitter, QVBoxLayout,
                               QWidget)

from desktop.media_bin import MediaBin
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
        self._build_menus()
        self._failures = 0
        self.bin.clip_selected.connect(self._on_clip_selected)
        self.bin.imported.connect(self._on_imported)
        self.bin.failed.connect(self._on_failed)
        self.statusBar().showMessage("Ready — import footage with Ctrl+I or drop it on the bin")

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        for text, shortcut, slot in (
            ("&Import Files…", "Ctrl+I", self.import_files_dialog),
            ("Import &Folder…", "Ctrl+Shift+I", self.import_folder_dialog),
        ):
            action = QAction(text, self)
            action.setShortcut(QKeySequence(shortcut))
            action.triggered.connect(slot)
            file_menu.addAction(action)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

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
        self._report_progress(f"Imported {path.name}")

    def _on_failed(self, path: Path, message: str) -> None:
        self._failures += 1
        self._report_progress(f"Could not import {message}")

    def _report_progress(self, last: str) -> None:
        pending = self.bin.pending()
        tail = f" — {pending} still probing" if pending else ""
        self.statusBar().showMessage(last + tail)

    def _on_clip_selected(self, path: Path, info: MediaInfo) -> None:
        self.viewer.show_clip(path, info)
