"""The hierarchical outline (after Dramatron): logline → title, characters, beats, locations → scenes.

Every field is the writer's to edit; a step button asks the model for one level and the
step reads what the fields hold *now*, so the writer's edits steer the next step. Lists are
plain text, one item a line (`NAME: description`, `Act 1 · Setup: description`,
`INT. PLACE: description`); scenes are a table. This widget only holds and parses the
fields: the tab runs the steps off the GUI thread and calls `set_story` with the result.
"""
from __future__ import annotations

import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QFormLayout, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QPlainTextEdit, QPushButton,
                               QScrollArea, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from engine.script.story import STRUCTURES, Beat, Character, Location, Scene, Story

# Step name → (button text, tooltip).
STEPS = {
    "title": ("Title ▸", "Suggest a title from the logline (fills an empty title)."),
    "characters": ("Characters ▸", "Suggest characters; yours are kept, up to four in all."),
    "beats": ("Beats ▸", "Write a beat per slot of the structure; beats you filled are kept."),
    "locations": ("Locations ▸", "Suggest places; yours are kept, up to three in all."),
    "scenes": ("Plan scenes ▸", "One scene per beat, using your locations and characters "
                                "(replaces the scene list)."),
    "drafts": ("Draft scenes ▸", "Write every scene without a draft, then put the whole "
                                 "screenplay in the document."),
}
SCENE_COLUMNS = ("Heading", "Beat", "Summary", "Cast")
_BEAT_LINE = re.compile(r"^\s*act\s*(\d+)\s*[·.,:\-–—|]?\s*(.*?)\s*:\s*(.*)$", re.IGNORECASE)


def characters_text(characters: list[Character]) -> str:
    return "\n".join(f"{c.name}: {c.description}".rstrip(": ") for c in characters)


def beats_text(beats: list[Beat]) -> str:
    return "\n".join(f"Act {b.act} · {b.name}: {b.description}" for b in beats)


def locations_text(locations: list[Location]) -> str:
    return "\n".join(f"{loc.name}: {loc.description}".rstrip(": ") for loc in locations)


def parse_named(text: str) -> list[tuple[str, str]]:
    """`NAME: description` lines (the description optional); blank lines ignored."""
    items = []
    for line in text.splitlines():
        if not line.strip():
            continue
        name, _, description = line.partition(":")
        items.append((name.strip(), description.strip()))
    return items


def parse_beats(text: str) -> list[Beat]:
    """`Act 1 · Setup: description` lines; a line without "Act N" stays in the previous act."""
    beats: list[Beat] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        match = _BEAT_LINE.match(line)
        if match:
            beats.append(Beat(int(match.group(1)), match.group(2).strip() or f"Beat {len(beats) + 1}",
                              match.group(3).strip()))
        else:
            act = beats[-1].act if beats else 1
            name, colon, description = line.partition(":")
            if not colon:
                name, description = f"Beat {len(beats) + 1}", line
            beats.append(Beat(act, name.strip(), description.strip()))
    return beats


def _list_editor(placeholder: str, lines: int) -> QPlainTextEdit:
    editor = QPlainTextEdit()
    editor.setPlaceholderText(placeholder)
    editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
    editor.setMinimumHeight(editor.fontMetrics().lineSpacing() * lines + 12)
    return editor


class OutlinePanel(QWidget):
    """The outline fields; `step_requested(name)` when a step button is pressed."""

    step_requested = Signal(str)
    changed = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.logline = QPlainTextEdit()
        self.logline.setPlaceholderText("Logline — e.g. A lighthouse keeper hides a stranger "
                                        "from the storm, and from the village.")
        self.logline.setMaximumHeight(self.logline.fontMetrics().lineSpacing() * 3 + 14)
        self.structure = QComboBox()
        for name, beats in STRUCTURES.items():
            self.structure.addItem(f"{name.replace('-', ' ').title()} ({len(beats)} beats)", name)
        self.title = QLineEdit()
        self.title.setPlaceholderText("Title")
        self.characters = _list_editor("NAME: who they are — one per line", 3)
        self.beats = _list_editor("Act 1 · Setup: what happens — one beat per line", 5)
        self.locations = _list_editor("INT. PLACE: what it looks like — one per line", 3)
        self.scenes = QTableWidget(0, len(SCENE_COLUMNS))
        self.scenes.setHorizontalHeaderLabels(SCENE_COLUMNS)
        self.scenes.verticalHeader().setVisible(False)
        self.scenes.setWordWrap(True)
        self.scenes.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.scenes.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.scenes.setColumnWidth(0, 170)
        self.scenes.setColumnWidth(1, 90)
        self.scenes.setColumnWidth(3, 90)
        self.scenes.setMinimumHeight(150)
        self._drafts: list[str] = []  # per scene row, Fountain

        self.buttons: dict[str, QPushButton] = {}
        for name, (text, tip) in STEPS.items():
            button = QPushButton(text)
            button.setToolTip(tip)
            button.clicked.connect(lambda _=False, n=name: self.step_requested.emit(n))
            self.buttons[name] = button

        hint = QLabel("Each step fills what is empty and keeps what you wrote; the next step "
                      "reads your edits. Clear a field to get fresh suggestions.")
        hint.setWordWrap(True)
        hint.setObjectName("scriptHint")

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        form.addRow("Logline", self.logline)
        form.addRow("Structure", self.structure)
        form.addRow(self._with_button(self.buttons["title"]), self.title)
        form.addRow(self._with_button(self.buttons["characters"]), self.characters)
        form.addRow(self._with_button(self.buttons["beats"]), self.beats)
        form.addRow(self._with_button(self.buttons["locations"]), self.locations)
        scene_buttons = QHBoxLayout()
        scene_buttons.addWidget(self.buttons["scenes"])
        scene_buttons.addWidget(self.buttons["drafts"])
        scene_buttons.addStretch(1)

        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(4, 4, 4, 4)
        column.addWidget(hint)
        column.addLayout(form)
        column.addLayout(scene_buttons)
        column.addWidget(self.scenes, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

        for editor in (self.logline, self.characters, self.beats, self.locations):
            editor.textChanged.connect(self.changed)
        self.title.textChanged.connect(self.changed)
        self.scenes.itemChanged.connect(self.changed)

    @staticmethod
    def _with_button(button: QPushButton) -> QWidget:
        holder = QWidget()
        layout = QVBoxLayout(holder)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(button)
        layout.addStretch(1)
        return holder

    def story(self) -> Story:
        """The fields as a `Story`, with the writer's edits."""
        structure = self.structure.currentData()
        scenes = []
        for row in range(self.scenes.rowCount()):
            heading, beat, summary, cast = (self._cell(row, c) for c in range(len(SCENE_COLUMNS)))
            if not heading.strip():
                continue
            scenes.append(Scene(heading.strip(), beat.strip(), summary.strip(),
                                [n.strip().upper() for n in cast.split(",") if n.strip()],
                                self._drafts[row] if row < len(self._drafts) else ""))
        return Story(logline=self.logline.toPlainText().strip(), structure=structure,
                     title=self.title.text().strip(),
                     characters=[Character(n.upper(), d) for n, d in parse_named(self.characters.toPlainText()) if n],
                     beats=parse_beats(self.beats.toPlainText()),
                     locations=[Location(n.upper(), d) for n, d in parse_named(self.locations.toPlainText()) if n],
                     scenes=scenes)

    def set_story(self, story: Story) -> None:
        """Show `story` in the fields (the result of a step)."""
        if self.logline.toPlainText().strip() != story.logline:
            self.logline.setPlainText(story.logline)
        index = self.structure.findData(story.structure)
        if index >= 0:
            self.structure.setCurrentIndex(index)
        self.title.setText(story.title)
        self.characters.setPlainText(characters_text(story.characters))
        self.beats.setPlainText(beats_text(story.beats))
        self.locations.setPlainText(locations_text(story.locations))
        self.scenes.blockSignals(True)
        self.scenes.setRowCount(len(story.scenes))
        self._drafts = []
        for row, scene in enumerate(story.scenes):
            values = (scene.heading, scene.beat, scene.summary, ", ".join(scene.characters))
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setToolTip(value)
                self.scenes.setItem(row, col, item)
            if scene.draft.strip():
                self.scenes.item(row, 0).setText("✓ " + scene.heading)
            self._drafts.append(scene.draft)
        self.scenes.blockSignals(False)
        self.scenes.resizeRowsToContents()
        self.changed.emit()

    def set_enabled_steps(self, enabled: bool) -> None:
        for button in self.buttons.values():
            button.setEnabled(enabled)

    def _cell(self, row: int, column: int) -> str:
        item = self.scenes.item(row, column)
        text = item.text() if item is not None else ""
        return text.removeprefix("✓ ") if column == 0 else text
