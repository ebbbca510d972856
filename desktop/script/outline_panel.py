"""The hierarchical outline (after Dramatron): logline → title, characters, beats, locations → scenes.

Every field is the writer's to edit; a step button asks the model for one level and the
step reads what the fields hold *now*, so the writer's edits steer the next step. Lists are
plain text, one item a line (`NAME: description`, `Act 1 · Setup: description`,
`INT. PLACE: description`); scenes are blocks (heading, `Beat: … · Cast: …`, summary)
separated by blank lines, marked ✓ once drafted. This widget only holds and parses the
fields: the tab runs the steps off the GUI thread and calls `set_story` with the result.
"""
from __future__ import annotations

import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from engine.script.story import STRUCTURES, Beat, Character, Location, Scene, Story

# Step name → (button text, tooltip).
STEPS = {
    "title": ("Title ▸", "Suggest a title from the logline (fills an empty title)."),
    "characters": ("Characters ▸", "Suggest characters; yours are kept, up to four in all."),
    "beats": ("Beats ▸", "Write a beat per slot of the structure; beats you filled are kept."),
    "locations": ("Locations ▸", "Suggest places; yours are kept, up to three in all."),
    "scenes": ("Plan scenes ▸", ("One scene per beat, using your locations and characters "
                                 "(replaces the scene list).")),
    "drafts": ("Draft scenes ▸", ("Write every scene not yet drafted (✓), then put the whole "
                                  "screenplay in the document (Ctrl+Z there undoes it).")),
}
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


def scenes_text(scenes: list[Scene]) -> str:
    blocks = []
    for scene in scenes:
        mark = "✓ " if scene.draft.strip() else ""
        facts = [f"Beat: {scene.beat}"] if scene.beat else []
        if scene.characters:
            facts.append(f"Cast: {', '.join(scene.characters)}")
        blocks.append("\n".join([mark + scene.heading] + ([" · ".join(facts)] if facts else [])
                                + ([scene.summary] if scene.summary else [])))
    return "\n\n".join(blocks)


def parse_scenes(text: str, drafts: dict[str, str] | None = None) -> list[Scene]:
    """Blocks of heading / `Beat: … · Cast: …` / summary; a draft is kept while its heading is."""
    drafts = drafts or {}
    scenes = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        heading = lines[0].removeprefix("✓").strip()
        beat, cast, summary = "", [], []
        for line in lines[1:]:
            if re.match(r"^(beat|cast)\s*:", line, re.IGNORECASE):
                for part in re.split(r"\s*[·|]\s*", line):
                    key, _, value = part.partition(":")
                    if key.strip().lower() == "beat":
                        beat = value.strip()
                    elif key.strip().lower() == "cast":
                        cast = [n.strip().upper() for n in value.split(",") if n.strip()]
            else:
                summary.append(line)
        scenes.append(Scene(heading, beat, " ".join(summary), cast, drafts.get(heading, "")))
    return scenes


def _list_editor(placeholder: str, lines: int, most: int) -> QPlainTextEdit:
    """A list field `lines` tall, growing to `most` lines when there is room."""
    editor = QPlainTextEdit()
    editor.setPlaceholderText(placeholder)
    editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
    spacing = editor.fontMetrics().lineSpacing()
    editor.setMinimumHeight(spacing * lines + 12)
    editor.setMaximumHeight(spacing * most + 12)
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
        self.characters = _list_editor("NAME: who they are — one per line", 3, 5)
        self.beats = _list_editor("Act 1 · Setup: what happens — one beat per line", 6, 12)
        self.locations = _list_editor("INT. PLACE: what it looks like — one per line", 3, 4)
        self.scenes = _list_editor("INT. PLACE - DAY\nBeat: Setup · Cast: NAME, NAME\nWhat happens."
                                   "\n\n(one block per scene, blank line between)", 8, 40)
        self._drafts: dict[str, str] = {}  # scene heading → its Fountain draft

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
        column.addStretch(0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

        for editor in (self.logline, self.characters, self.beats, self.locations, self.scenes):
            editor.textChanged.connect(self.changed)
        self.title.textChanged.connect(self.changed)

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
        scenes = parse_scenes(self.scenes.toPlainText(), self._drafts)
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
        self._drafts = {s.heading: s.draft for s in story.scenes if s.draft.strip()}
        self.scenes.setPlainText(scenes_text(story.scenes))
        self.changed.emit()

    def set_enabled_steps(self, enabled: bool) -> None:
        for button in self.buttons.values():
            button.setEnabled(enabled)
