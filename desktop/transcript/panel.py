"""The transcript panel: the selected clip's words, following the playhead.

Click a word to seek to it; select words to set In and Out around them; search every
transcribed clip and click a result to play it. Transcription runs in the worker process
(`desktop.runner.ProcessRunner`) like every analysis, its segments appearing as they come.
"""
from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.runner import Job
from engine.transcript.result import Segment, Transcript

from .words import Layout, search

JOB = "engine.transcript.transcribe:transcribe_job"
CACHED = "engine.transcript.transcribe:cached_transcript_job"


class WordView(QTextEdit):
    """Read-only words; a click names the word under it, a selection the words it covers."""

    word_clicked = Signal(int)
    words_selected = Signal(int, int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.layout_: Layout | None = None
        self.highlighted: int | None = None  # the word shown as being said

    def show_layout(self, layout: Layout | None, placeholder: str = "") -> None:
        self.layout_ = layout
        self.setPlainText(layout.text if layout else "")
        self.setPlaceholderText(placeholder)
        if layout is None:
            return
        # long pauses and filler words stand out: they are what an editor trims
        pause, filler = QTextCharFormat(), QTextCharFormat()
        pause.setForeground(QColor("#7f8c99"))
        pause.setFontItalic(True)
        filler.setForeground(QColor("#e07a3a"))
        filler.setFontStrikeOut(True)
        marks = [(span, pause) for span in layout.pause_spans]
        marks += [(layout.spans[i], filler) for i in layout.fillers]
        for (start, end), style in marks:
            cursor = QTextCursor(self.document())
            cursor.setPosition(start)
            cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
            cursor.mergeCharFormat(style)

    def mouseReleaseEvent(self, event) -> None:
        super().mouseReleaseEvent(event)
        if self.layout_ is None or not self.layout_.words or event.button() != Qt.MouseButton.LeftButton:
            return
        cursor = self.textCursor()
        if cursor.hasSelection():
            first = self.layout_.word_at_char(cursor.selectionStart())
            last = self.layout_.word_at_char(max(cursor.selectionEnd() - 1, cursor.selectionStart()))
            self.words_selected.emit(first, last)
        else:
            self.word_clicked.emit(self.layout_.word_at_char(cursor.position()))

    def highlight(self, index: int | None) -> None:
        """Mark the word being said (an extra selection: the editor's own selection stays)."""
        self.highlighted = index
        if self.layout_ is None or index is None:
            self.setExtraSelections([])
            return
        start, end = self.layout_.spans[index]
        selection = QTextEdit.ExtraSelection()
        selection.cursor = QTextCursor(self.document())
        selection.cursor.setPosition(start)
        selection.cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        selection.format = QTextCharFormat()
        selection.format.setBackground(QColor("#d9a400"))
        selection.format.setForeground(QColor("#101010"))
        self.setExtraSelections([selection])
        # keep the word in view without moving the editor's own cursor or selection
        rect = self.cursorRect(selection.cursor)
        if not self.viewport().rect().contains(rect):
            bar = self.verticalScrollBar()
            bar.setValue(bar.value() + rect.top() - self.viewport().height() // 3)


class TranscriptPanel(QWidget):
    """Transcript of the selected clip, tied to the timeline model's playhead and marks."""

    clip_requested = Signal(object)  # a search result in another clip: select that clip
    transcribed = Signal(object)  # Transcript

    def __init__(self, runner, timeline_model, parent=None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.timeline_model = timeline_model
        self.transcripts: dict[Path, Transcript] = {}
        self.path: Path | None = None
        self.layout_: Layout | None = None
        self.current: int | None = None
        self._jobs: dict[Path, Job] = {}
        self._live: dict[Path, list[Segment]] = {}
        self._pending_seek: tuple[Path, float] | None = None
        self._asked: set[Path] = set()  # clips whose cached transcript was looked up

        self.title = QLabel("No clip selected")
        self.title.setObjectName("transcriptTitle")
        # a long clip name is cut, not allowed to widen the dock (and the window with it)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.transcribe_button = QPushButton("Transcribe")
        self.transcribe_button.setEnabled(False)
        self.transcribe_button.clicked.connect(self.transcribe)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.hide()
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.hide()
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.view = WordView()
        self.view.word_clicked.connect(self._on_word_clicked)
        self.view.words_selected.connect(self._on_words_selected)
        self.search_box = QLineEdit()
        self.search_box.setPlaceholderText("Search every transcript…")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.textChanged.connect(self._on_search)
        self.results = QListWidget()
        self.results.setMaximumHeight(140)
        self.results.hide()
        self.results.itemClicked.connect(self._on_result)

        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.transcribe_button)
        top.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.search_box)
        layout.addWidget(self.results)
        layout.addWidget(self.view, 1)

    # -- the clip ---------------------------------------------------------------------------
    def show_clip(self, path, info=None) -> None:
        """Show `path`'s transcript, or offer to transcribe it (`info` is the bin's, unused)."""
        self.path = Path(path)
        self.title.setText(self.path.name)
        self.transcribe_button.setEnabled(self.path not in self._jobs)
        self._render()
        if self.path not in self.transcripts and self.path not in self._asked and self.runner is not None:
            # a transcript made earlier (another session, the CLI) is in the analysis cache
            self._asked.add(self.path)
            lookup = self.runner.submit(CACHED, self.path)
            lookup.finished.connect(lambda result, p=self.path: self._on_cached(p, result))
        if self._pending_seek and self._pending_seek[0] == self.path:
            self.seek(self._pending_seek[1])
        self._pending_seek = None

    def _render(self) -> None:
        transcript = self.transcripts.get(self.path)
        running = self.path in self._jobs
        self.progress.setVisible(running)
        self.cancel_button.setVisible(running)
        if transcript is not None:
            self.layout_ = Layout.of(transcript)
            if self.layout_.text != self.view.toPlainText() or not self.layout_.text:
                self.view.show_layout(self.layout_, transcript.reason or "")  # keeps a selection
            else:
                self.view.layout_ = self.layout_
            self.status.setText("; ".join(filter(None, [transcript.reason, *transcript.warnings])))
            self.transcribe_button.setText("Transcribe again")
        elif running:
            live = Transcript(str(self.path), "", "", list(self._live.get(self.path, [])))
            self.layout_ = Layout.of(live)
            self.view.show_layout(self.layout_, "Listening…")
        else:
            self.layout_ = None
            self.view.show_layout(None, "Not transcribed yet: press Transcribe.")
            self.status.setText("")
            self.transcribe_button.setText("Transcribe")
        self.current = None
        self.follow_playhead(self.timeline_model.playhead)

    # -- transcription in the worker --------------------------------------------------------
    def transcribe(self) -> Job | None:
        if self.path is None or self.path in self._jobs:
            return None
        path = self.path
        job = self.runner.submit(JOB, path)
        self._jobs[path] = job
        self._live[path] = []
        job.progress.connect(lambda fraction, message: self._on_progress(path, fraction, message))
        job.partial.connect(lambda segment: self._on_segment(path, segment))
        job.finished.connect(lambda result: self._on_finished(path, result))
        job.failed.connect(lambda message: self._on_ended(path, message))
        job.cancelled.connect(lambda: self._on_ended(path, "Transcription cancelled"))
        self.transcribe_button.setEnabled(False)
        self.status.setText("Transcribing…")
        self._render()
        return job

    def cancel(self) -> None:
        job = self._jobs.get(self.path)
        if job is not None:
            job.cancel()

    def _on_progress(self, path: Path, fraction: float, message: str) -> None:
        if path == self.path:
            self.progress.setValue(round(fraction * 1000))
            self.status.setText(message)

    def _on_segment(self, path: Path, segment) -> None:
        if isinstance(segment, Segment):
            self._live.setdefault(path, []).append(segment)
            if path == self.path:
                self._render()

    def _on_finished(self, path: Path, transcript: Transcript) -> None:
        self._jobs.pop(path, None)
        self._live.pop(path, None)
        self.transcripts[path] = transcript
        if path == self.path:
            self.transcribe_button.setEnabled(True)
            self._render()
            if not transcript.reason:
                self.status.setText("; ".join([f"{len(transcript.words)} words, {transcript.model}",
                                               *transcript.warnings]))
        self._on_search(self.search_box.text())
        self.transcribed.emit(transcript)

    def _on_cached(self, path: Path, transcript: Transcript | None) -> None:
        # a transcription started meanwhile gives the same words, and its own end
        if transcript is not None and path not in self._jobs and path not in self.transcripts:
            self._on_finished(path, transcript)

    def _on_ended(self, path: Path, message: str) -> None:
        self._jobs.pop(path, None)
        self._live.pop(path, None)
        if path == self.path:
            self.transcribe_button.setEnabled(True)
            self._render()
            self.status.setText(message)

    # -- time: playhead, seeking, marks -----------------------------------------------------
    def _rate(self) -> float:
        return float(self.timeline_model.rate) or 24.0

    def follow_playhead(self, frame: int) -> None:
        """Highlight the word under the playhead (the model's playhead, in the clip's frames)."""
        if self.layout_ is None:
            return
        index = self.layout_.word_at_time(frame / self._rate())
        if index != self.current:
            self.current = index
            self.view.highlight(index)

    def seek(self, seconds: float) -> None:
        model = self.timeline_model
        frame = round(seconds * self._rate())
        model.playhead = model.clamp(frame) if model.length else max(frame, 0)

    def _on_word_clicked(self, index: int) -> None:
        self.seek(self.layout_.words[index].start)

    def _on_words_selected(self, first: int, last: int) -> None:
        words = self.layout_.words
        rate, model = self._rate(), self.timeline_model
        in_point = math.floor(words[first].start * rate)
        out_point = max(math.ceil(words[last].end * rate) - 1, in_point)  # Out is inclusive
        if model.length:
            in_point, out_point = model.clamp(in_point), model.clamp(out_point)
        model.in_point, model.out_point = in_point, out_point
        self.status.setText(f"In/Out around “{' '.join(w.text for w in words[first:last + 1])}”")

    # -- search -----------------------------------------------------------------------------
    def _on_search(self, query: str) -> None:
        self.results.clear()
        hits = search(self.transcripts, query) if query.strip() else []
        for hit in hits:
            item = QListWidgetItem(f"{hit.path.name}  {hit.start:6.2f} s   {hit.context}")
            item.setData(Qt.ItemDataRole.UserRole, hit)
            self.results.addItem(item)
        if query.strip() and not hits:
            self.results.addItem("No transcript says that")
        self.results.setVisible(bool(query.strip()))

    def _on_result(self, item: QListWidgetItem) -> None:
        hit = item.data(Qt.ItemDataRole.UserRole)
        if hit is None:
            return
        if hit.path == self.path:
            self.seek(hit.start)
        else:
            self._pending_seek = (hit.path, hit.start)
            self.clip_requested.emit(hit.path)
