"""Proposals: ask for an edit (length, arc), get three alternatives, play or keep one."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from engine.edit.arcs import ARCS


class ProposalsPanel(QWidget):
    """Generates in the analysis worker process; emits `proposal_chosen(timeline)`."""

    proposals_ready = Signal(list)
    proposal_chosen = Signal(object)
    proposal_kept = Signal(object)  # a timeline the editor keeps (whole, or trimmed to In–Out)

    def __init__(self, runner, clips, parent=None) -> None:
        """`runner`: the analysis `ProcessRunner`; `clips()` returns the analysed clips to use."""
        super().__init__(parent)
        self.runner, self.clips = runner, clips
        self.duration = QDoubleSpinBox()
        self.duration.setRange(2, 3600)
        self.duration.setValue(20)
        self.duration.setSuffix(" s")
        self.arc = QComboBox()
        self.arc.addItems([*ARCS, "custom"])
        self.custom_arc = QLineEdit("0:0.2, 0.5:0.8, 1:0.3")
        self.custom_arc.setToolTip("Points t:level (t and level from 0 to 1), e.g. 0:0.2, 0.5:0.8, 1:0.3")
        self.custom_arc.setEnabled(False)
        self.arc.currentTextChanged.connect(self._on_arc_changed)
        self.arc_editor = None  # matplotlib loads when the editor first asks for a custom arc
        self.pace = QDoubleSpinBox()
        self.pace.setRange(0, 30)
        self.pace.setSingleStep(0.5)
        self.pace.setSpecialValueText("automatic")
        self.pace.setSuffix(" s per shot")
        self.music = QLineEdit()
        self.music.setPlaceholderText("none: cut on action")
        music_button = QPushButton("Music…")
        music_button.clicked.connect(self._choose_music)
        self.generate_button = QPushButton("Propose edits")
        self.generate_button.clicked.connect(self.generate)
        self.accept_button = QPushButton("Keep this edit")
        self.accept_button.setToolTip("Teaches your taste: its shots rank higher next time")
        self.reject_button = QPushButton("Reject")
        self.reject_button.setToolTip("Teaches your taste: its shots rank lower next time")
        self.trim_button = QPushButton("Keep In–Out")
        self.trim_button.setToolTip("Mark In and Out (I, O) while the proposal plays: only what lies "
                                    "between is kept, and your taste model learns from the trim")
        for button, kept in ((self.accept_button, True), (self.reject_button, False)):
            button.setEnabled(False)
            button.clicked.connect(lambda _checked=False, k=kept: self.review_current(k))
        self.trim_button.setEnabled(False)
        self.trim_button.clicked.connect(lambda: self.review_current(True, trimmed=True))
        self.marks = lambda: (None, None)  # the window supplies the viewer's In/Out marks
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.list = QListWidget()
        self.list.setMaximumHeight(90)
        self.list.currentItemChanged.connect(self._on_current)
        self.explanation = QTextBrowser()  # explanations run long: scroll, don't widen the dock
        self.explanation.setPlainText("Analyse footage, then ask for an edit of a length and an arc.")
        form = QFormLayout()
        form.addRow("Length", self.duration)
        form.addRow("Arc", self.arc)
        form.addRow("Custom arc", self.custom_arc)
        self._form = form
        form.addRow("Pacing", self.pace)
        music_row = QHBoxLayout()
        music_row.addWidget(self.music, 1)
        music_row.addWidget(music_button)
        form.addRow("Music", music_row)
        row = QHBoxLayout()
        row.addWidget(self.generate_button)
        row.addWidget(self.progress, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(row)
        layout.addWidget(self.list, 1)
        self.plot = None  # matplotlib loads with the first proposals, not at startup
        review = QHBoxLayout()
        review.addWidget(self.accept_button, 1)
        review.addWidget(self.trim_button)
        review.addWidget(self.reject_button)
        layout.addLayout(review)
        # "Learned from N edit choices of yours": what Keep and Reject have taught so far.
        self.learned = QLabel("")
        self.learned.setWordWrap(True)
        layout.addWidget(self.learned)
        layout.addWidget(self.explanation)
        self.timelines: list = []  # the project's proposals, as listed
        self.model = None
        self._job = None

    #: (timeline name -> predicted value, target): set by the Audience tab when its model has skill
    audience_scores: tuple[dict, str] = ({}, "")

    def set_audience_scores(self, scores: dict, target: str) -> None:
        """Rank the proposals by an audience model's predictions (only one with skill sends them)."""
        self.audience_scores = (dict(scores), target)
        if self.model is not None:
            self._refresh_list()

    def set_model(self, model) -> None:
        """List the proposals of ``model``'s project, whichever project is open."""
        from desktop.subscriptions import subscribe

        self.model = model
        subscribe(self, ((model.events.project, self._follow_project),))
        self._follow_project(model.project)

    def _follow_project(self, project) -> None:
        project.events.timelines_changed.connect(self._refresh_list)
        self._refresh_list()

    def _refresh_list(self, *_args) -> None:
        from engine.project.identity import is_kept

        current = self.timelines[self.list.currentRow()] if 0 <= self.list.currentRow() < len(self.timelines) else None
        self.timelines = self.model.project.proposals()
        scores, target = self.audience_scores
        if scores:  # an audience model with skill predicted them: best predicted first
            self.timelines.sort(key=lambda t: -scores.get(t.name, float("-inf")))
        self.list.blockSignals(True)  # redrawing the list is not the editor choosing
        self.list.clear()
        for i, timeline in enumerate(self.timelines):
            seconds = timeline.duration().to_seconds()
            star = "★ kept — " if is_kept(timeline) else ""
            predicted = f" — predicted {target} {scores[timeline.name]:.1f}" if timeline.name in scores else ""
            self.list.addItem(QListWidgetItem(f"{i + 1}. {star}{timeline.name} — {seconds:.1f} s{predicted}"))
        row = next((i for i, t in enumerate(self.timelines) if t is current), -1)
        self.list.setCurrentRow(row)
        self.list.blockSignals(False)
        self._enable_review(row)

    def generate(self) -> None:
        clips: list[Path] = self.clips()
        if not clips:
            self.explanation.setPlainText("No analysed clips yet: import footage and wait for its analysis.")
            return
        self.generate_button.setEnabled(False)
        self.progress.setValue(0)
        self._job = self.runner.submit("engine.edit.from_analysis:proposals_json_job", clips,
                                       self.duration.value(), self.arc_spec(),
                                       music=self.music.text().strip() or None,
                                       avg_shot_s=self.pace.value() or None)
        self._job.progress.connect(lambda f, m: (self.progress.setValue(int(f * 1000)),
                                                 self.explanation.setPlainText(m)))
        self._job.finished.connect(self._on_ready)
        self._job.failed.connect(self._on_failed)
        self._job.cancelled.connect(lambda: self.generate_button.setEnabled(True))

    def _on_ready(self, documents: list[str]) -> None:
        import opentimelineio as otio

        timelines = [otio.adapters.read_from_string(d, "otio_json") for d in documents]
        self.generate_button.setEnabled(True)
        self.progress.setValue(1000)
        self.proposals_ready.emit(timelines)  # the window adds them to the project (undoable)
        if self.model is None:  # standalone (no project): list what arrived
            self.timelines = timelines
            self.list.clear()
            self.list.addItems([t.name for t in timelines])
        first = next((i for i, t in enumerate(self.timelines) if timelines and t is timelines[0]), -1)
        if first >= 0:
            self.list.setCurrentRow(first)

    def _on_failed(self, message: str) -> None:
        self.generate_button.setEnabled(True)
        self.explanation.setPlainText(f"Could not propose: {message}")

    def _on_arc_changed(self, name: str) -> None:
        custom = name == "custom"
        self.custom_arc.setEnabled(custom)
        if custom and self.arc_editor is None:
            from desktop.arc_editor import ArcEditor
            self.arc_editor = ArcEditor(self.custom_arc.text())
            self.arc_editor.points_changed.connect(self.custom_arc.setText)
            self.custom_arc.textEdited.connect(self.arc_editor.set_text)
            self._form.insertRow(self._form.rowCount() - 2, "", self.arc_editor)
        if self.arc_editor is not None:
            self.arc_editor.setVisible(custom)

    def arc_spec(self) -> str:
        """The arc's name, or the custom points as the engine reads them."""
        name = self.arc.currentText()
        return self.custom_arc.text().replace(" ", "") if name == "custom" else name

    def _choose_music(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Music", "", "Audio (*.wav *.mp3 *.m4a *.flac *.ogg *.webm)")
        if name:
            self.music.setText(name)

    def review_current(self, kept: bool, trimmed: bool = False) -> None:
        """The editor keeps, trims or rejects the selected proposal; the taste model learns."""
        import opentimelineio as otio

        row = self.list.currentRow()
        if not 0 <= row < len(self.timelines):
            return
        timeline = self.timelines[row]
        if trimmed:
            mark_in, mark_out = self.marks()
            if mark_in is None or mark_out is None or mark_out <= mark_in:
                self.explanation.setPlainText("Mark In and Out on the playing proposal first (I, O).")
                return
            rate = timeline.video_tracks()[0].duration().rate
            span = otio.opentime.TimeRange(otio.opentime.RationalTime(mark_in, rate),
                                           otio.opentime.RationalTime(mark_out - mark_in + 1, rate))
            timeline = otio.algorithms.timeline_trimmed_to_range(timeline, span)
            timeline.name = f"{timeline.name} — In–Out"
        if kept:
            self.proposal_kept.emit(timeline)
        document = otio.adapters.write_to_string(timeline, "otio_json")
        job = self.runner.submit("engine.edit.from_analysis:learn_from_timeline_job", document,
                                 self.clips(), kept=kept)
        job.finished.connect(self.explanation.setPlainText)
        job.finished.connect(lambda report: self.learned.setText(str(report).splitlines()[0]))
        job.failed.connect(lambda m: self.explanation.setPlainText(f"Not learned: {m}"))
        for button in (self.accept_button, self.reject_button, self.trim_button):
            button.setEnabled(False)

    def _ensure_plot(self):
        if self.plot is None:  # matplotlib loads with the first proposal shown, not at startup
            from desktop.arc_plot import ArcPlot
            self.plot = ArcPlot()
            self.plot.setMinimumHeight(130)
            self.layout().insertWidget(self.layout().indexOf(self.explanation) - 1, self.plot)
        return self.plot

    def _enable_review(self, row: int) -> None:
        for button in (self.accept_button, self.reject_button, self.trim_button):
            button.setEnabled(0 <= row < len(self.timelines))

    def _on_current(self, item, _previous=None) -> None:
        row = self.list.row(item) if item is not None else -1
        self._enable_review(row)
        if 0 <= row < len(self.timelines):
            timeline = self.timelines[row]
            self.explanation.setPlainText(str(timeline.metadata.get("moviola", {}).get("explanation", "")))
            self._ensure_plot().show_timeline(timeline)
            self.proposal_chosen.emit(timeline)
