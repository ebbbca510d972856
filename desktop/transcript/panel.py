"""The transcript panel: the selected clip's words, following the playhead.

Click a word to seek to it; select words to set In and Out around them; search every
transcribed clip and click a result to play it. Transcription is a stage of the analysis queue
(`desktop.analysis_panel.AnalysisPanel`), so it runs in the worker process like every
analysis, its segments appearing here as they come. The selected words go to a "Selects"
timeline, whose filler words and long pauses one button takes out (both undoable edits).
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

from engine.transcript.result import Segment, Transcript
from engine.transcript.selects import SELECTS, AddToSelects, RemoveFillersAndPauses, words_clips

from .words import Layout, search

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
        speaker = QTextCharFormat()  # where the voice changes
        speaker.setForeground(QColor("#5aa0d8"))
        speaker.setFontWeight(700)
        marks = [(span, pause) for span in layout.pause_spans]
        marks += [(span, speaker) for span in layout.speaker_spans]
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

    def __init__(self, queue, timeline_model, parent=None) -> None:
        super().__init__(parent)
        self.queue = queue  # the AnalysisPanel: transcription is one of its stages
        self.runner = queue.runner
        self.timeline_model = timeline_model
        self.transcripts: dict[Path, Transcript] = {}
        self.infos: dict[Path, object] = {}  # MediaInfo of each clip shown
        self.path: Path | None = None
        self.layout_: Layout | None = None
        self.current: int | None = None
        self.selection: tuple[int, int] | None = None  # first and last selected word
        # how an edit reaches the project through the undo stack (the window sets it): it
        # returns why the edit could not be done, or None
        self.apply_edit = None
        self._jobs: set[Path] = set()
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
        self.add_button = QPushButton(f"Add selection to {SELECTS}")
        self.add_button.setToolTip("The selected words become a clip at the end of the "
                                   f"“{SELECTS}” timeline (made if the project has none)")
        self.add_button.setEnabled(False)
        self.add_button.clicked.connect(self.add_selection)
        self.tighten_button = QPushButton("Remove fillers and pauses")
        self.tighten_button.setToolTip(f"Split the “{SELECTS}” clips around filler words and "
                                       "pauses of a second or more, and close the gaps")
        self.tighten_button.clicked.connect(self.remove_fillers_and_pauses)

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
        selects = QHBoxLayout()
        selects.addWidget(self.add_button)
        selects.addWidget(self.tighten_button)
        selects.addStretch(1)
        layout.addLayout(selects)
        queue.transcript_progress.connect(self._on_progress)
        queue.transcript_partial.connect(self._on_segment)
        queue.transcribed.connect(lambda transcript: self._on_finished(Path(transcript.file), transcript))
        queue.transcript_ended.connect(self._on_ended)

    # -- the clip ---------------------------------------------------------------------------
    def show_clip(self, path, info=None) -> None:
        """Show `path`'s transcript, or offer to transcribe it (`info`: the bin's MediaInfo)."""
        self.path = Path(path)
        if info is not None:
            self.infos[self.path] = info
        self.selection = None
        self.add_button.setEnabled(False)
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
    def transcribe(self) -> bool:
        """Queue the clip's transcription (a stage of the analysis queue); False if under way."""
        if self.path is None or self.path in self._jobs:
            return False
        path = self.path
        self.queue.enqueue(path, stages=("transcript",))
        self._jobs.add(path)
        self._live[path] = []
        self.transcribe_button.setEnabled(False)
        self.status.setText("Transcribing…")
        self._render()
        return True

    def cancel(self) -> None:
        if self.path in self._jobs:
            self.queue.cancel(self.path)

    def _on_progress(self, path: Path, fraction: float, message: str) -> None:
        if path not in self._jobs:  # the queue transcribes it for another reason: show it too
            self._jobs.add(path)
            self._live.setdefault(path, [])
        if path == self.path:
            if self.progress.isHidden():
                self._render()
            self.progress.setValue(round(fraction * 1000))
            self.status.setText(message)

    def _on_segment(self, path: Path, segment) -> None:
        if isinstance(segment, Segment):
            self._live.setdefault(path, []).append(segment)
            if path == self.path:
                self._render()

    def _on_finished(self, path: Path, transcript: Transcript) -> None:
        self._jobs.discard(path)
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
        self._jobs.discard(path)
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
        self.selection = (first, last)
        self.add_button.setEnabled(self.path in self.transcripts)
        self.status.setText(f"In/Out around “{' '.join(w.text for w in words[first:last + 1])}”")

    # -- selects ----------------------------------------------------------------------------
    def add_selection(self) -> bool:
        """The selected words, as a clip at the end of the selects timeline (undoable)."""
        if self.selection is None or self.layout_ is None or self.apply_edit is None:
            return False
        info = self.infos.get(self.path)
        if info is None:
            self.status.setText("The clip is still being read: try again in a moment")
            return False
        first, last = self.selection
        words = self.layout_.words[first:last + 1]
        try:
            clip, sound = words_clips(info, words)
        except ValueError as exc:
            self.status.setText(str(exc))
            return False
        edit = AddToSelects(clip, sound)
        if not self._push(edit):
            return False
        seconds = clip.source_range.duration.to_seconds()
        self.status.setText(f"Added “{' '.join(w.text for w in words)}” ({seconds:.1f} s) "
                            f"to “{edit.timeline.name}”")
        return True

    def _push(self, edit) -> bool:
        failed = self.apply_edit(edit)
        if failed:
            self.status.setText(f"Not done: {failed}")
        return not failed

    def remove_fillers_and_pauses(self) -> bool:
        """Split the selects clips around fillers and long pauses, closing the gaps (undoable)."""
        if self.apply_edit is None:
            return False
        edit = RemoveFillersAndPauses()
        if not self._push(edit):
            return False
        self.status.setText(f"Removed {edit.removed_s:.1f} s of fillers and pauses from “{SELECTS}”")
        return True

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
