"""Export a timeline for Premiere, Resolve or as EDL / .otio / marker CSV."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QWidget,
)

from desktop.path_row import path_row
from engine.project.naming import clean_file_name
from engine.transcript.exports import export_with_transcript

# format key → (menu text, suffix, what the file holds)
FORMATS = {
    "premiere": ("Premiere Pro (FCP 7 XML)", ".xml", "xmeml v4: clips, audio tracks, markers"),
    "resolve": ("DaVinci Resolve (FCPXML 1.10)", ".fcpxml", "FCPXML 1.10 library › event › project"),
    "otio": ("OpenTimelineIO (.otio)", ".otio", "everything, including emotion metadata"),
    "edl": ("EDL (CMX3600)", ".edl", "V1, A1, A2 and locator markers"),
    "markers": ("Marker list (CSV)", ".csv", "one row per marker, for notes"),
}


class ExportDialog(QDialog):
    """Pick a format and a file; `export()` writes it and reports the path."""

    def __init__(self, timeline, default_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Export “{timeline.name}”")
        self.timeline = timeline
        self.default_dir = default_dir
        self.format = QComboBox()
        for key, (text, _suffix, _what) in FORMATS.items():
            self.format.addItem(text, key)
        self.path = QLineEdit()
        row = path_row(self.path, self._browse)
        self.contents = QLabel()
        self.contents.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow("Format", self.format)
        form.addRow("File", row)
        form.addRow("Contains", self.contents)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.format.currentIndexChanged.connect(self._on_format_changed)
        self.result_path: Path | None = None
        self.captions_path: Path | None = None  # the .srt written beside it, when the clips have words
        self._on_format_changed()

    def chosen_format(self) -> str:
        return self.format.currentData()

    def _on_format_changed(self) -> None:
        key = self.chosen_format()
        _text, suffix, what = FORMATS[key]
        clips = sum(len(track) for track in self.timeline.tracks)
        self.contents.setText(f"{what}; {len(self.timeline.tracks)} track(s), {clips} item(s)")
        current = Path(self.path.text()) if self.path.text() else self.default_dir / clean_file_name(self.timeline.name)
        self.path.setText(str(current.with_suffix(suffix)))

    def _browse(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Export to", self.path.text())
        if name:
            self.path.setText(name)

    def export(self) -> Path:
        """Write the file (with the clips' transcript lines as markers, and an .srt beside it);
        raises the interchange error (one line) when it cannot."""
        result, self.captions_path = export_with_transcript(self.timeline, Path(self.path.text()),
                                                           self.chosen_format())
        self.result_path = Path(result.path)
        return self.result_path

    def _accept(self) -> None:
        try:
            path = self.export()
        except Exception as exc:  # shown to the editor as one line, never a traceback
            QMessageBox.warning(self, "Export failed", str(exc))
            return
        wrote = f"Wrote {path}" + (f"\nand its captions, {self.captions_path.name}" if self.captions_path else "")
        box = QMessageBox(QMessageBox.Icon.Information, "Exported", wrote, parent=self)
        reveal = box.addButton("Reveal in Folder", QMessageBox.ButtonRole.ActionRole)
        box.addButton(QMessageBox.StandardButton.Ok)
        box.exec()
        if box.clickedButton() is reveal:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent)))
        self.accept()
