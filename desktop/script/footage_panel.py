"""Writing from the analysed footage: a prompt that follows the edit's emotion curve, or
text drafted beat by beat, which the writer edits and attaches to the timeline as markers.
When the clip has a transcript, the prompt and the drafts quote what is said in each beat."""
from __future__ import annotations

from fractions import Fraction

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.script import footage as fg

MODE_NAMES = {"outline": "Scene outline (beats follow the emotion curve)",
              "shots": "Shot-by-shot description",
              "voiceover": "Voice-over, one passage per beat"}
BEAT_COLUMNS = ("Time", "Mood", "Text")


def shots_in_seconds(shots: list[dict], rate: Fraction) -> list[dict]:
    """The tab receives shots in frames; the engine's footage prompts work in seconds."""
    rate = Fraction(rate) if rate else Fraction(24)
    out = []
    for shot in shots:
        converted = dict(shot)
        converted["start"] = float(Fraction(shot["start"]) / rate)
        converted["end"] = float(Fraction(shot["end"]) / rate)
        out.append(converted)
    return out


def clock(seconds: float) -> str:
    """m:ss.s, as editors read short durations."""
    minutes, rest = divmod(max(seconds, 0.0), 60)
    return f"{int(minutes)}:{rest:04.1f}"


class FootagePanel(QWidget):
    """Shots of the current clip → prompt or beat texts → markers."""

    prompt_requested = Signal(str)  # a footage prompt for the prompt box
    draft_requested = Signal()  # the tab runs `draft_from_footage` off the GUI thread
    attach_requested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.shots: list[dict] = []  # in seconds
        self.rate = Fraction(24)
        self.path: str | None = None  # the clip the shots belong to
        self.lines: list[dict] = []  # its spoken lines (engine.script.footage.spoken_lines)
        self.transcribed: bool | None = None  # None: not looked up yet
        self.beats: list[fg.FootageBeat] = []
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setObjectName("scriptHint")
        self.mode = QComboBox()
        for mode, text in MODE_NAMES.items():
            self.mode.addItem(text, mode)
        self.context = QLineEdit()
        self.context.setPlaceholderText("Optional context, e.g. a documentary about night fishermen")
        self.prompt_button = QPushButton("Write prompt from footage")
        self.prompt_button.setToolTip("Put a prompt built from the shots' moods, durations and "
                                      "faces in the prompt box, for variants.")
        self.draft_button = QPushButton("Draft beats ▸")
        self.draft_button.setToolTip("Write one short text per beat with the model; edit them below.")
        self.attach_button = QPushButton("Attach to timeline as markers")
        self.attach_button.setToolTip("Add the beats below as markers; they travel with the XML export.")
        self.table = QTableWidget(0, len(BEAT_COLUMNS))
        self.table.setHorizontalHeaderLabels(BEAT_COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(0, 96)
        self.table.setColumnWidth(1, 110)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Write", self.mode)
        form.addRow("Context", self.context)
        buttons = QHBoxLayout()
        buttons.addWidget(self.prompt_button)
        buttons.addWidget(self.draft_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.summary)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.attach_button)
        layout.addLayout(row)

        self.prompt_button.clicked.connect(self._on_prompt)
        self.draft_button.clicked.connect(self.draft_requested)
        self.attach_button.clicked.connect(self.attach_requested)
        self.set_footage([], Fraction(24))

    def current_mode(self) -> str:
        return self.mode.currentData()

    def set_footage(self, shots: list[dict], rate: Fraction, path: str | None = None) -> None:
        self.rate = Fraction(rate) if rate else Fraction(24)
        self.shots = shots_in_seconds(shots, self.rate)
        self.path = str(path) if path else None
        self.lines, self.transcribed = [], None
        self.set_beats([])
        self._show_summary()
        self.update_enabled(True)

    def set_transcript(self, path: str, transcribed: bool, lines: list[dict]) -> None:
        """The clip's spoken lines, looked up by the tab; a late answer for another clip is dropped."""
        if path != self.path:
            return
        self.lines, self.transcribed = list(lines), transcribed
        self._show_summary()

    def _show_summary(self) -> None:
        if not self.shots:
            self.summary.setText("No analysed clip yet: analyse footage and select it to write "
                                 "to its shots and emotion curve.")
            return
        beats = fg.emotion_beats(self.shots, "outline")
        total = self.shots[-1]["end"] - self.shots[0]["start"]
        text = (f"<b>{len(self.shots)} shots</b>, {total:.1f} s at {float(self.rate):g} fps — "
                f"curve: {fg.curve_summary(beats)}")
        if self.lines:
            n = len(self.lines)
            text += f"<br><b>{n} spoken line{'s' if n != 1 else ''}</b> from the transcript, quoted per beat"
        elif self.transcribed is False:
            text += "<br>No transcript yet: transcribe the clip to write from what is said."
        elif self.transcribed:
            text += "<br>The transcript has no speech."
        self.summary.setText(text)

    def update_enabled(self, idle: bool) -> None:
        self.prompt_button.setEnabled(bool(self.shots))
        self.draft_button.setEnabled(bool(self.shots) and idle)
        self.attach_button.setEnabled(bool(self.beats))

    def set_beats(self, beats: list[fg.FootageBeat]) -> None:
        self.beats = list(beats)
        self.table.setRowCount(len(self.beats))
        for row, beat in enumerate(self.beats):
            when = QTableWidgetItem(f"{clock(beat.start)}–{clock(beat.end)}")
            mood = QTableWidgetItem(beat.label + (f" ({beat.trend})" if beat.trend else ""))
            for item in (when, mood):
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.table.setItem(row, 0, when)
            self.table.setItem(row, 1, mood)
            self.table.setItem(row, 2, QTableWidgetItem(beat.text))
        self.table.resizeRowsToContents()
        self.attach_button.setEnabled(bool(self.beats))

    def edited_beats(self) -> list[fg.FootageBeat]:
        """The beats with the text as the writer left it in the table."""
        for row, beat in enumerate(self.beats):
            item = self.table.item(row, 2)
            beat.text = item.text().strip() if item is not None else beat.text
        return self.beats

    def markers(self) -> list:
        return fg.beats_to_markers(self.edited_beats(), float(self.rate), self.current_mode())

    def _on_prompt(self) -> None:
        if self.shots:
            self.prompt_requested.emit(fg.footage_prompt(self.shots, self.current_mode(),
                                                          self.context.text(), self.lines))
