"""The analysis queue: one job at a time in the background, per-file progress, ETA, cancel.

Analysis is CPU-heavy (the shot network uses every core), so files wait their turn for one
worker process (`desktop.runner.ProcessRunner`, which the proposals share); a failed file
shows its error and the queue goes on. Cancel is the runner's cancel.

A file's row runs its stages in order, each a job in that worker: "analysis" (shots, then
emotion) and "transcript" (speech to text). The row's bar spans all of them; the status
names the stage under way.
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
from engine import settings as engine_settings
from engine.project.naming import display_names

COLUMNS = ("File", "Progress", "Status", "ETA", "Node")  # Node: where the file runs (Settings ▸ Cluster)
CLUSTER_JOB = "engine.cluster.remote:cluster_analysis_job"
#: stage -> (worker job, its share of a row's bar when the row runs several stages)
STAGES = {"analysis": ("engine.analysis:analysis_job", 0.85),
          "transcript": ("engine.transcript.transcribe:transcribe_job", 0.15)}
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
    transcribed = Signal(object)  # Transcript, as the transcript stage of a row ends
    transcript_progress = Signal(object, float, str)  # path, the stage's own fraction, message
    transcript_partial = Signal(object, object)  # path, a Segment as it is heard
    transcript_ended = Signal(object, str)  # path, why the stage ended without a transcript
    notice = Signal(str)  # a line for the status bar (the cluster cannot be reached: working here)

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
        self._stages: dict[Path, list[str]] = {}  # the row's stages, in order
        self._stage: dict[Path, int] = {}  # the index of the one under way
        self._options: dict[Path, dict] = {}
        self._outcome: dict[Path, list[str]] = {}  # what each finished stage found
        self._items: dict[Path, QTreeWidgetItem] = {}
        self._started: dict[Path, float] = {}

    def enqueue(self, path: Path, stages: tuple[str, ...] = ("analysis",), **options) -> bool:
        """Queue `path`'s `stages` ("analysis", "transcript"); `options` go to the analysis.

        A row already waiting or running takes on the stages it does not have yet; False when
        it has them all.
        """
        path = Path(path)
        unknown = [s for s in stages if s not in STAGES]
        if unknown or not stages:
            raise ValueError(f"unknown analysis stage(s): {unknown or stages}")
        if path in self._jobs:
            plan = self._stages[path]
            extra = [s for s in stages if s not in plan[self._stage[path]:]]
            plan.extend(extra)
            return bool(extra)
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
        item.setToolTip(2, "")
        self._stages[path] = list(dict.fromkeys(stages))
        self._options[path] = options
        self._outcome[path] = []
        self._start_stage(path, 0)
        return True

    def _start_stage(self, path: Path, index: int) -> None:
        self._stage[path] = index
        stage = self._stages[path][index]
        target, options = STAGES[stage][0], self._options[path]
        settings = engine_settings.load()
        if stage == "analysis" and settings.cluster_address.strip():
            # The worker process sends the file to the cluster, or analyses it itself (and says
            # why) when the cluster cannot be reached.
            target = CLUSTER_JOB
            options = {**options, "address": settings.cluster_address.strip(),
                       "path_map": settings.cluster_path_map, "inline_mb": settings.cluster_inline_mb}
        job = (self.runner.submit(target, path, **options) if stage == "analysis"
               else self.runner.submit(target, path))
        if stage == "analysis":
            job.partial.connect(lambda value, p=path: self._on_placement(p, value))
        job.progress.connect(lambda f, m, p=path, s=stage: self._on_progress(p, s, f, m))
        job.finished.connect(lambda result, p=path, s=stage: self._on_finished(p, s, result))
        job.failed.connect(lambda message, p=path, s=stage: self._on_failed(p, s, message))
        job.cancelled.connect(lambda p=path, s=stage: self._on_cancelled(p, s))
        if stage == "transcript":
            job.partial.connect(lambda value, p=path: self.transcript_partial.emit(p, value))
        self._jobs[path] = job

    def _on_placement(self, path: Path, placement) -> None:
        """Show the node a file runs on; a fallback to this machine also goes to the status bar."""
        if not hasattr(placement, "host"):
            return
        item = self._items[path]
        item.setText(4, placement.host + (f" (attempt {placement.attempt})" if placement.attempt > 1 else ""))
        item.setToolTip(4, placement.fallback or placement.node)
        if placement.fallback:
            self.notice.emit(f"{path.name}: {placement.fallback}")

    def stages(self, path: Path) -> list[str]:
        """The stages of `path`'s row (its last run), in order."""
        return list(self._stages.get(Path(path), []))

    def _span(self, path: Path, stage: str) -> tuple[float, float]:
        """Where `stage` sits on the row's 0..1 bar."""
        plan = self._stages[path]
        total = sum(STAGES[s][1] for s in plan)
        before = sum(STAGES[s][1] for s in plan[:plan.index(stage)])
        return before / total, (before + STAGES[stage][1]) / total

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

    def _on_progress(self, path: Path, stage: str, fraction: float, message: str) -> None:
        started = self._started.setdefault(path, time.monotonic())
        item = self._items[path]
        low, high = self._span(path, stage)
        fraction = min(max(float(fraction), 0.0), 1.0)
        overall = low + (high - low) * fraction
        percent, _ = progress_texts(overall, message)
        _, status = progress_texts(fraction, message)  # a stage's frame counter counts its frames
        if len(self._stages[path]) > 1 or stage != "analysis":
            status = f"{'transcribing' if stage == 'transcript' else stage}: {status}"
        bar = self._bar(path)
        bar.setValue(int(overall * 1000))
        bar.setFormat(percent)
        item.setText(2, status)
        item.setText(3, eta_text(overall, time.monotonic() - started))
        if stage == "transcript":
            self.transcript_progress.emit(path, fraction, message)

    def _on_finished(self, path: Path, stage: str, result) -> None:
        if stage == "analysis":
            self._outcome[path].append(f"{len(result.shots.shots)} shots")
            self._warn(path, result.warnings)
            self.analysed.emit(result)
        else:
            self._outcome[path].append(result.reason or f"{len(result.words)} words")
            self._warn(path, result.warnings)
            self.transcribed.emit(result)
        if path not in self._jobs:  # cancelled from a slot of the signal above
            return
        index = self._stage[path] + 1
        if index < len(self._stages[path]):
            self._start_stage(path, index)
            return
        item = self._items[path]
        warned = item.toolTip(2)
        self._finish(path, "done" + (f" — {warned.count(chr(10)) + 1} warning(s)" if warned else ""))
        item.setText(2, item.text(2) + ": " + ", ".join(self._outcome[path]))
        self._bar(path).setValue(1000)
        self._bar(path).setFormat("100%")

    def _warn(self, path: Path, warnings) -> None:
        item = self._items[path]
        lines = [line for line in item.toolTip(2).split("\n") if line]
        lines += [w for w in warnings if w not in lines]
        item.setToolTip(2, "\n".join(lines))

    def _on_failed(self, path: Path, stage: str, message: str) -> None:
        waiting = self._waits_for_transcript(path)
        self._finish(path, f"⚠ {message}")
        if waiting:
            self.transcript_ended.emit(path, message if stage == "transcript" else f"Not transcribed: {message}")
        self.file_failed.emit(path, message)

    def _on_cancelled(self, path: Path, stage: str) -> None:
        waiting = self._waits_for_transcript(path)
        self._finish(path, "cancelled")
        if waiting:
            self.transcript_ended.emit(path, "Transcription cancelled")

    def _waits_for_transcript(self, path: Path) -> bool:
        """Whether `path`'s row still has its transcript stage to finish."""
        return "transcript" in self._stages[path][self._stage[path]:]

    def transcribing(self, path: Path) -> bool:
        """Whether `path` is queued or running with a transcript still to come."""
        return Path(path) in self._jobs and self._waits_for_transcript(Path(path))

    def _finish(self, path: Path, status: str) -> None:
        self._jobs.pop(path, None)
        self._started.pop(path, None)
        item = self._items[path]
        item.setText(2, status)
        item.setText(3, "")
