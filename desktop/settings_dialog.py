"""Settings: cache location, compute device, script and transcript models, cluster — saved for every process."""
from __future__ import annotations

import dataclasses

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from desktop.path_row import path_row
from engine import settings as engine_settings
from engine.settings import cache_dir


class SettingsDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        current = engine_settings.load()
        self._current = current
        self.cache = QLineEdit(current.cache_dir)
        self.cache.setPlaceholderText(str(cache_dir()))
        row = path_row(self.cache, self._browse_cache)
        self.device = QComboBox()
        for key, text in (("auto", "Automatic (CUDA when available)"), ("cpu", "CPU"), ("cuda", "CUDA GPU")):
            self.device.addItem(text, key)
        self.device.setCurrentIndex(self.device.findData(current.device))
        self.script_model = QLineEdit(current.script_model)
        self.script_model.setToolTip("A Hugging Face model id in the local cache, or a model folder")
        self.transcript_model = QLineEdit(current.transcript_model)
        self.transcript_model.setPlaceholderText("bundled Whisper tiny.en")
        self.transcript_model.setToolTip("A local faster-whisper model folder (multilingual or larger); "
                                         "one that cannot be loaded falls back to the bundled model")
        transcript_row = path_row(self.transcript_model, self._browse_transcript_model)
        note = QLabel("The analysis cache is rebuilt in a new place as clips are analysed; "
                      "nothing you made is lost by moving it.")
        note.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow("Analysis cache", row)
        form.addRow("", note)
        form.addRow("Compute device", self.device)
        form.addRow("Script model", self.script_model)
        form.addRow("Transcript model", transcript_row)
        # Settings ▸ Cluster: the analysis queue sends files to a Ray cluster (engine/cluster).
        self.cluster = QLineEdit(current.cluster_address)
        self.cluster.setPlaceholderText("this machine — or local:4, ray://head:10001")
        self.cluster.setToolTip("Where the analysis queue sends files; when it cannot be reached, "
                                "files are analysed here and the status bar says so")
        self.cluster_path_map = QLineEdit(current.cluster_path_map)
        self.cluster_path_map.setPlaceholderText("workers see the same paths — or /Volumes/Dailies=/mnt/dailies")
        form.addRow("Cluster", self.cluster)
        form.addRow("Cluster path mapping", self.cluster_path_map)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def chosen(self) -> engine_settings.Settings:
        # Start from what was loaded, so a setting this dialog does not show survives a save.
        return dataclasses.replace(self._current,
                                   cache_dir=self.cache.text().strip(),
                                   device=self.device.currentData(),
                                   script_model=self.script_model.text().strip()
                                   or engine_settings.Settings().script_model,
                                   transcript_model=self.transcript_model.text().strip(),
                                   cluster_address=self.cluster.text().strip(),
                                   cluster_path_map=self.cluster_path_map.text().strip())

    def save(self) -> None:
        engine_settings.save(self.chosen())
        self.accept()

    def _browse_transcript_model(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "faster-whisper model folder",
                                                  self.transcript_model.text())
        if folder:
            self.transcript_model.setText(folder)

    def _browse_cache(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Analysis cache folder", self.cache.text())
        if folder:
            self.cache.setText(folder)
