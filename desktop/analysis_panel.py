"""The analysis queue: one job at a time in the background, per-file progress, ETA, cancel.

Analysis is CPU-heavy (the shot network uses every core), so files wait their turn for one
worker process (`desktop.runner.ProcessRunner`, which the proposals share); a failed file
shows its error and the queue goes on. Cancel is the runner's cancel.
"""
from __future__ import annotations

import re
import time
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.runner import Job, ProcessRunner
from engine.analysis import Analysis
from engine.project.naming import display_names

COLUMNS = ("File", "Progress", "Status", "ETA")
_COUNTER = re.compile(r"\bframe (\d+) of (\d+)\b")


def progress_texts(fraction: float, message: str) -> tuple[str, str]:
    """The bar's percentage and the status line, both from `fraction` (0..1 of the file).

    Each stage of an analysis counts its own frames ("frame 120 of 240" while finding shots,
    and again while reading faces) but the bar shows the whole file, so a counter in the
    message is recomputed from the same fraction: "42%" never sits beside "frame 200 of 240".
    """
    fraction = min(max(float(fraction), 0.0), 1.0)

    def counter(match: re.Match) -> str:
        total = int(match.group(2))
        return f"frame {int(fraction * total)} of {total}"
    return f"{int(fraction * 100)}%", _COUNTER.sub(counter, message)


def eta_text(fraction: float, elapsed: float) -> str:
    """Remaining time from progress so far; blank until there is enough to go on."""
    if fraction <= 0.02 or elapsed < 0.5:
        return ""
    remaining = elapsed * (1 - fraction) / fraction
    minutes, seconds = divmod(int(round(remaining)), 60)
    return f"{minutes}:{seconds:02d}"


class AnalysisPanel(QWidget):
    """Queue of files to analyse. Emits `analysed(Analysis)` as each one finishes."""

    analysed = Signal(object)
    file_failed = Signal(object, str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.runner = ProcessRunner(self, name="moviola-analysis")
        self.list = QTreeWidget()
        self.list.setHeaderLabels(COLUMNS)
        self.list.setRootIsDecorated(False)
        self.list.setColumnWidth(0, 220)
        self.list.setColumnWidth(1, 160)
        self.list.setColumnWidth(2, 260)
        self.cancel_button = QPushButton("Cancel selected")
        self.cancel_all_button = QPushButton("Cancel all")
        self.cancel_button.clicked.connect(self.cancel_selected)
        self.cancel_all_button.clicked.connect(self.cancel_all)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.cancel_all_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self._jobs: dict[Path, Job] = {}
        self._items: dict[Path, QTreeWidgetItem] = {}
        self._started: dict[Path, float] = {}

    def enqueue(self, path: Path, **options) -> bool:
        """Queue `path` unless it is already waiting or running."""
        path = Path(path)
        if path in self._jobs:
            return False
        item = self._items.get(path)
        if item is None:
            item = QTreeWidgetItem([path.name, "", "queued", ""])
            item.setToolTip(0, str(path))
            self.list.addTopLevelItem(item)
            self._items[path] = item
            bar = QProgressBar()
            bar.setRange(0, 1000)
            bar.setTextVisible(True)
            bar.setFormat("0%")
            self.list.setItemWidget(item, 1, bar)
            self._refresh_names()
        self._bar(path).setValue(0)
        self._bar(path).setFormat("0%")
        item.setText(2, "queued")
        job = self.runner.submit("engine.analysis:analysis_job", path, **options)
        job.progress.connect(lambda f, m, p=path: self._on_progress(p, f, m))
        job.finished.connect(lambda result, p=path: self._on_finished(p, result))
        job.failed.connect(lambda message, p=path: self._on_failed(p, message))
        job.cancelled.connect(lambda p=path: self._on_cancelled(p))
        self._jobs[path] = job
        return True

    def _refresh_names(self) -> None:
        """Same-named files from different cards read apart here as in the bin."""
        for path, name in display_names(self._items).items():
            self._items[path].setText(0, name)

    def shutdown(self) -> None:
        self.runner.shutdown()

    def active(self) -> int:
        """Files queued or running."""
        return len(self._jobs)

    def status(self, path: Path) -> str:
        return self._items[Path(path)].text(2)

    def cancel_selected(self) -> None:
        for item in self.list.selectedItems():
            self.cancel(Path(item.toolTip(0)))

    def cancel_all(self) -> None:
        for path in list(self._jobs):
            self.cancel(path)

    def cancel(self, path: Path) -> None:
        """Cancel the file's job: at once if queued; a running one stops at its next step (or
        is stopped with its worker, which the runner then replaces)."""
        job = self._jobs.get(Path(path))
        if job is not None:
            job.cancel()

    def _bar(self, path: Path) -> QProgressBar:
        return self.list.itemWidget(self._items[path], 1)

    def _on_progress(self, path: Path, fraction: float, message: str) -> None:
        started = self._started.setdefault(path, time.monotonic())
        item = self._items[path]
        percent, status = progress_texts(fraction, message)
        bar = self._bar(path)
        bar.setValue(int(min(max(fraction, 0.0), 1.0) * 1000))
        bar.setFormat(percent)
        item.setText(2, status)
        item.setText(3, eta_text(fraction, time.monotonic() - started))

    def _on_finished(self, path: Path, result: Analysis) -> None:
        self._finish(path, "done" + (f" — {len(result.warnings)} warning(s)" if result.warnings else ""))
        item = self._items[path]
        item.setText(2, item.text(2) + f": {len(result.shots.shots)} shots")
        if result.warnings:
            item.setToolTip(2, "\n".join(result.warnings))
        self._bar(path).setValue(1000)
        self._bar(path).setFormat("100%")
        self.analysed.emit(result)

    def _on_failed(self, path: Path, message: str) -> None:
        self._finish(path, f"⚠ {message}")
        self.file_failed.emit(path, message)

    def _on_cancelled(self, path: Path) -> None:
        self._finish(path, "cancelled")

    def _finish(self, path: Path, status: str) -> None:
        self._jobs.pop(path, None)
        self._started.pop(path, None)
        item = self._items[path]
        item.setText(2, status)
        item.setText(3, "")
