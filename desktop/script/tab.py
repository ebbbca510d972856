"""The script tab: draft screenplay text with a language model, in screenplay format.

Left: what to write from — a prompt, the hierarchical outline (logline → title, characters,
beats, locations → scenes) or the analysed footage — and the model and sampling settings.
Right: the variants side by side as they stream in, the document (Fountain) that the writer
accepts a variant into, and the formatted page preview with the exports.

The model loads and generates in the tab's worker process (`desktop.runner.ProcessRunner`
running `engine.script.jobs`), where it stays loaded for the next job; the variants stream
back as text events. Stop is the runner's cancel: the engine checks it between tokens and
returns what was written. When the configured model is not available offline, the engine
uses the bundled model and the banner says so.
"""
from __future__ import annotations

import logging
from fractions import Fraction
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontDatabase, QTextCursor
from PySide6.QtWidgets import (
    QApplication,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.runner import Job, ProcessRunner
from desktop.script.footage_panel import FootagePanel
from desktop.script.outline_panel import OutlinePanel
from desktop.script.preview import ScreenplayPreview
from engine.jobs import one_line
from engine.script.models import DEFAULT_MODEL

log = logging.getLogger(__name__)

DEFAULT_PROMPT = ("INT. COFFEE SHOP - DAY\n\n"
                  "Rain streaks the window. MAYA (30s) waits at a corner table, a cold coffee "
                  "in front of her. The door opens: DANIEL, soaked.\n\n")
EXPORTS = {".fountain": "Fountain (*.fountain)", ".fdx": "Final Draft (*.fdx)", ".pdf": "PDF (*.pdf)"}
PROMPT_TAIL = 1200  # characters of the document used as the prompt by "Continue document"

_STYLE = """
QLabel#scriptBanner { background: #4a3a12; color: #f6d98b; border-left: 4px solid #f0c674;
                      padding: 6px 10px; font-weight: bold; }
QLabel#scriptError { background: #4a1f1f; color: #ffb4b4; border-left: 4px solid #e06c6c;
                     padding: 6px 10px; }
QLabel#scriptHint, QLabel#scriptMeta { color: #9aa4b2; }
QLabel#scriptSection { color: #9aa4b2; font-weight: bold; padding: 2px 0; }
QFrame#variantPane { background: #232428; border: 1px solid #3a3c42; border-radius: 4px; }
QFrame#variantPane[accepted="true"] { border: 1px solid #6fb36f; }
QPlainTextEdit { background: #17181a; border: 1px solid #2f3136; }
QPushButton { background: #2b2d31; border: 1px solid #3a3c42; border-radius: 3px; padding: 4px 10px; }
QPushButton:hover { background: #3b5b8c; }
QPushButton:disabled { color: #666; background: #232428; }
QPushButton#generateButton { background: #3b5b8c; color: white; font-weight: bold; }
QPushButton#generateButton:disabled { background: #2b3648; color: #8090a8; }
QPushButton#stopButton:enabled { background: #7a2e2e; color: white; }
QGroupBox { border: 1px solid #3a3c42; border-radius: 4px; margin-top: 14px; padding-top: 4px; }
QGroupBox::title { subcontrol-origin: margin; left: 8px; color: #9aa4b2; }
QTabWidget::pane { border: 1px solid #3a3c42; }
QTabBar::tab { background: #2b2d31; padding: 5px 12px; border: 1px solid #3a3c42; }
QTabBar::tab:selected { background: #3b5b8c; color: white; }
QScrollBar:vertical { background: #1b1c1f; width: 11px; margin: 0; }
QScrollBar:horizontal { background: #1b1c1f; height: 11px; margin: 0; }
QScrollBar::handle { background: #44474e; border-radius: 4px; min-height: 24px; min-width: 24px; }
QScrollBar::handle:hover { background: #5a5e66; }
QScrollBar::add-line, QScrollBar::sub-line { width: 0; height: 0; }
QScrollBar::add-page, QScrollBar::sub-page { background: none; }
QProgressBar { border: 1px solid #3a3c42; border-radius: 3px; text-align: center; height: 14px; }
QProgressBar::chunk { background: #3b5b8c; }
"""


def _mono_font(size: float = 10.0) -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setStyleHint(QFont.StyleHint.TypeWriter)
    font.setPointSizeF(size)
    return font


def _section(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("scriptSection")
    return label


class VariantPane(QFrame):
    """One variant: streamed text (read-only), its seed and length, and "Use this"."""

    def __init__(self, index: int, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("variantPane")
        self.index = index
        self.title = QLabel(f"<b>Variant {index + 1}</b>")
        self.meta = QLabel("")
        self.meta.setObjectName("scriptMeta")
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setFont(_mono_font(9.5))
        self.text.setPlaceholderText("Generate variants: the text appears here as the model "
                                     "writes it.")
        self.use_button = QPushButton("Use this")
        self.use_button.setToolTip("Put this variant into the document (as Fountain)")
        self.use_button.setEnabled(False)
        head = QHBoxLayout()
        head.addWidget(self.title)
        head.addWidget(self.meta, 1)
        head.addWidget(self.use_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(head)
        layout.addWidget(self.text, 1)

    def append(self, piece: str) -> None:
        cursor = self.text.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(piece)
        self.text.setTextCursor(cursor)
        self.text.ensureCursorVisible()

    def set_accepted(self, accepted: bool) -> None:
        self.setProperty("accepted", accepted)
        self.use_button.setText("✓ In document" if accepted else "Use this")
        self.style().unpolish(self)
        self.style().polish(self)


class ScriptTab(QWidget):
    """The script tab. Call `set_footage` when the current clip's analysis changes.

    Signals:
        markers_ready(list): OTIO markers (from `engine.script.footage.beats_to_markers`)
            the writer chose to attach to the timeline.
    """

    markers_ready = Signal(object)

    def __init__(self, parent=None, runner: ProcessRunner | None = None) -> None:
        """`runner`: the worker process to write in; by default the tab starts its own, so
        the model stays loaded there between jobs and writing never waits behind analysis."""
        super().__init__(parent)
        self.setStyleSheet(_STYLE)
        self._owns_runner = runner is None
        self.runner = runner or ProcessRunner(self, name="moviola-script")
        self.task: Job | None = None
        self._variant = 0  # the variant the streamed text belongs to
        self.result = None  # the last GenerationResult
        self.panes: list[VariantPane] = []
        self.model_in_use: str | None = None
        self.fallback_message: str | None = None
        self._step_name = ""
        self.streamed: list[int] = []  # streamed pieces per variant in the current generation
        self._pending_message = ""
        self._summary = ""

        self.banner = QLabel()
        self.banner.setObjectName("scriptBanner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.error = QLabel()
        self.error.setObjectName("scriptError")
        self.error.setWordWrap(False)
        self.error.hide()

        left = self._build_left()
        right = self._build_right()
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setSizes([470, 1130])
        split.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.banner)
        layout.addWidget(self.error)
        layout.addWidget(split, 1)

        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(250)
        self._preview_timer.timeout.connect(self.refresh_preview)
        self.document.textChanged.connect(self._preview_timer.start)
        self._make_panes(self.variants.value())
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    # --- building ------------------------------------------------------------------------

    def _build_left(self) -> QWidget:
        self.prompt = QPlainTextEdit()
        self.prompt.setFont(_mono_font(10))
        self.prompt.setPlainText(DEFAULT_PROMPT)
        self.prompt.setPlaceholderText("A scene heading and an action line, or any text to continue")
        self.continue_button = QPushButton("Continue document")
        self.continue_button.setToolTip("Use the end of the document as the prompt, so a chosen "
                                        "variant continues it")
        self.continue_button.clicked.connect(self.prompt_from_document)
        prompt_page = QWidget()
        prompt_layout = QVBoxLayout(prompt_page)
        prompt_layout.setContentsMargins(4, 4, 4, 4)
        hint = QLabel("The model continues this text. A base model (like GPT-2) continues it "
                      "as written; an instruction model reads it as a request.")
        hint.setObjectName("scriptHint")
        hint.setWordWrap(True)
        prompt_layout.addWidget(hint)
        prompt_layout.addWidget(self.prompt, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.continue_button)
        prompt_layout.addLayout(row)

        self.outline = OutlinePanel()
        self.outline.step_requested.connect(self.run_step)
        self.footage = FootagePanel()
        self.footage.prompt_requested.connect(self._on_footage_prompt)
        self.footage.draft_requested.connect(self.draft_footage)
        self.footage.attach_requested.connect(self.attach_markers)

        self.sources = QTabWidget()
        self.sources.addTab(prompt_page, "Prompt")
        self.sources.addTab(self.outline, "Outline")
        self.sources.addTab(self.footage, "From footage")

        # Model and sampling.
        self.model = QLineEdit(DEFAULT_MODEL)
        self.model.setToolTip("The bundled SmolLM2-135M-Instruct, a Hugging Face model id (used "
                              "from the local cache when offline) or a local model folder")
        browse = QToolButton()
        browse.setText("…")
        browse.setToolTip("Choose a local model folder")
        browse.clicked.connect(self._browse_model)
        model_row = QHBoxLayout()
        model_row.setContentsMargins(0, 0, 0, 0)
        model_row.addWidget(self.model, 1)
        model_row.addWidget(browse)
        model_box = QWidget()
        model_box.setLayout(model_row)
        self.max_tokens = QSpinBox()
        self.max_tokens.setRange(1, 2048)
        self.max_tokens.setValue(120)
        self.max_tokens.setToolTip("New tokens per variant (a small model's context may cap it)")
        self.temperature = QDoubleSpinBox()
        self.temperature.setRange(0.05, 2.0)
        self.temperature.setSingleStep(0.05)
        self.temperature.setValue(0.9)
        self.temperature.setToolTip("Higher is bolder, lower is safer")
        self.top_k = QSpinBox()
        self.top_k.setRange(0, 1000)
        self.top_k.setValue(50)
        self.top_k.setSpecialValueText("off")
        self.top_p = QDoubleSpinBox()
        self.top_p.setRange(0.05, 1.0)
        self.top_p.setSingleStep(0.01)
        self.top_p.setValue(0.95)
        self.repetition = QDoubleSpinBox()
        self.repetition.setRange(1.0, 2.0)
        self.repetition.setSingleStep(0.05)
        self.repetition.setValue(1.1)
        self.repetition.setToolTip("Above 1 discourages repeating the same words")
        self.variants = QSpinBox()
        self.variants.setRange(1, 6)
        self.variants.setValue(3)
        self.seed = QSpinBox()
        self.seed.setRange(-1, 2**31 - 1)
        self.seed.setValue(-1)
        self.seed.setSpecialValueText("random")
        self.seed.setToolTip("Same seed and settings give the same variants; "
                             "variant n uses seed + n − 1")
        sampling = QGroupBox("Model and sampling")
        form = QFormLayout(sampling)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Model", model_box)
        pairs = [("Max new tokens", self.max_tokens, "Variants", self.variants),
                 ("Temperature", self.temperature, "Seed", self.seed),
                 ("Top-k", self.top_k, "Top-p", self.top_p)]
        for label_a, widget_a, label_b, widget_b in pairs:
            row = QHBoxLayout()
            row.setContentsMargins(0, 0, 0, 0)
            row.addWidget(widget_a, 1)
            row.addSpacing(8)
            row.addWidget(QLabel(label_b))
            row.addWidget(widget_b, 1)
            holder = QWidget()
            holder.setLayout(row)
            form.addRow(label_a, holder)
        form.addRow("Repetition penalty", self.repetition)
        self.model_label = QLabel("Model loads on the first generation.")
        self.model_label.setObjectName("scriptMeta")
        self.model_label.setWordWrap(True)
        form.addRow(self.model_label)

        self.generate_button = QPushButton("Generate variants")
        self.generate_button.setObjectName("generateButton")
        self.generate_button.setToolTip("Continue the prompt (Ctrl+Return)")
        self.generate_button.setShortcut("Ctrl+Return")
        self.generate_button.clicked.connect(self.generate)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setObjectName("stopButton")
        self.stop_button.setToolTip("Stop generating (keeps what was written so far)")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.stop)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.setTextVisible(False)
        self.status = QLabel("Ready.")
        self.status.setObjectName("scriptMeta")
        self.status.setWordWrap(True)
        actions = QHBoxLayout()
        actions.addWidget(self.generate_button, 2)
        actions.addWidget(self.stop_button, 1)

        column = QWidget()
        layout = QVBoxLayout(column)
        layout.setContentsMargins(0, 0, 4, 0)
        layout.addWidget(self.sources, 1)
        layout.addWidget(sampling)
        layout.addLayout(actions)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        column.setMinimumWidth(380)
        return column

    def _build_right(self) -> QWidget:
        self.variant_row = QHBoxLayout()
        self.variant_row.setContentsMargins(0, 0, 0, 0)
        self.variant_row.setSpacing(6)
        variants = QWidget()
        variant_layout = QVBoxLayout(variants)
        variant_layout.setContentsMargins(0, 0, 0, 0)
        self.variant_header = _section("Variants — each continues the prompt; “Use this” puts one in the document")
        variant_layout.addWidget(self.variant_header)
        variant_layout.addLayout(self.variant_row, 1)

        self.document = QPlainTextEdit()
        self.document.setFont(_mono_font(10))
        self.document.setPlaceholderText("The screenplay in Fountain. Accept a variant, draft "
                                         "scenes from the outline, or type here.")
        self.export_buttons: dict[str, QPushButton] = {}
        doc_head = QHBoxLayout()
        doc_head.addWidget(_section("Document (Fountain)"), 1)
        for suffix in EXPORTS:
            button = QPushButton(f"Export {suffix}")
            button.setToolTip(f"Save the document as {EXPORTS[suffix].split(' (')[0]}")
            button.clicked.connect(lambda _=False, s=suffix: self.export_dialog(s))
            doc_head.addWidget(button)
            self.export_buttons[suffix] = button
        doc = QWidget()
        doc_layout = QVBoxLayout(doc)
        doc_layout.setContentsMargins(0, 0, 0, 0)
        doc_layout.addLayout(doc_head)
        doc_layout.addWidget(self.document, 1)

        self.preview = ScreenplayPreview()
        self.preview.setMinimumWidth(380)
        preview = QWidget()
        preview_layout = QVBoxLayout(preview)
        preview_layout.setContentsMargins(0, 0, 0, 0)
        self.preview_label = _section("Preview — as printed (US Letter, Courier 12)")
        preview_layout.addWidget(self.preview_label)
        preview_layout.addWidget(self.preview, 1)

        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(doc)
        bottom.addWidget(preview)
        bottom.setSizes([520, 640])
        bottom.setChildrenCollapsible(False)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(variants)
        right.addWidget(bottom)
        right.setSizes([420, 560])
        right.setChildrenCollapsible(False)
        return right

    def _make_panes(self, count: int) -> None:
        for pane in self.panes:
            self.variant_row.removeWidget(pane)
            pane.deleteLater()
        self.panes = []
        for index in range(count):
            pane = VariantPane(index)
            pane.use_button.clicked.connect(lambda _=False, i=index: self.accept_variant(i))
            self.variant_row.addWidget(pane, 1)
            self.panes.append(pane)

    # --- public API ----------------------------------------------------------------------

    def set_footage(self, shots: list[dict], rate: Fraction, path: str | Path | None = None) -> None:
        """The current clip's shots (frames, with emotion label/valence/arousal/faces); with the
        clip's `path`, its cached transcript is looked up in the worker so the footage prompt
        and drafts quote what is said."""
        self.footage.set_footage(list(shots or []), rate, path)
        self.footage.update_enabled(not self.busy())
        if path:
            job = self.runner.submit("engine.script.jobs:footage_lines_job", str(path))
            job.finished.connect(lambda found: self.footage.set_transcript(
                found.path, found.transcribed, found.lines))
            job.failed.connect(lambda message: log.warning("transcript lookup failed: %s", message))

    def busy(self) -> bool:
        return self.task is not None

    def params(self):
        """The sampling settings as `SamplingParams` (seed "random" → None)."""
        from engine.script import SamplingParams

        return SamplingParams(max_new_tokens=self.max_tokens.value(),
                              temperature=self.temperature.value(), top_k=self.top_k.value(),
                              top_p=self.top_p.value(),
                              repetition_penalty=self.repetition.value(),
                              variants=self.variants.value(),
                              seed=None if self.seed.value() < 0 else self.seed.value())

    def generate(self) -> None:
        """Generate the variants for the prompt, streaming into the panes."""
        if self.busy():
            return
        prompt = self.prompt.toPlainText()
        try:
            params = self.params()
        except ValueError as exc:
            self.show_error(str(exc))
            return
        self._make_panes(params.variants)
        for pane in self.panes:
            pane.meta.setText("waiting…")
        self.result = None
        self.streamed = [0] * params.variants
        self._variant = 0
        task = self._start("engine.script.jobs:generate_job", (self._model_name(), prompt, params),
                           self._on_generated, f"Generating {params.variants} "
                           f"variant{'s' if params.variants != 1 else ''}…")
        task.text.connect(self._on_text)

    def stop(self) -> None:
        """Ask the running task to stop; the engine notices within a token."""
        if self.task is not None:
            self.task.cancel()
            self.status.setText("Stopping…")
            self.stop_button.setEnabled(False)

    def accept_variant(self, index: int) -> None:
        """Put variant `index` into the document, normalised to canonical Fountain."""
        from engine.script import normalise

        if self.result is None or index >= len(self.result.variants):
            return
        result = self.result
        current = self.document.toPlainText()
        if not current.strip():
            text = result.draft(index)
        elif not result.chat and result.prompt.strip() and current.endswith(result.prompt):
            text = current + result.variants[index]  # the prompt was the document's end
        elif result.chat and result.prompt.strip() and current.rstrip().endswith(result.prompt.rstrip()):
            text = current.rstrip() + "\n\n" + result.continuation(index)
        else:
            text = current.rstrip() + "\n\n" + result.draft(index)
        self._set_document(normalise(text))
        for pane in self.panes:
            pane.set_accepted(pane.index == index)
        self.status.setText(f"Variant {index + 1} is in the document (Ctrl+Z there undoes it). "
                            f"{self._summary}")

    def prompt_from_document(self) -> None:
        """The end of the document (from a paragraph start) as the prompt."""
        text = self.document.toPlainText()
        if not text.strip():
            self.status.setText("The document is empty: write or accept something first.")
            return
        if len(text) > PROMPT_TAIL:
            cut = text.find("\n\n", len(text) - PROMPT_TAIL)
            text = text[cut + 2:] if 0 <= cut < len(text) - 2 else text[-PROMPT_TAIL:]
        if not text.endswith("\n"):
            text += "\n"
            self._set_document(self.document.toPlainText() + "\n")
        self.prompt.setPlainText(text)
        self.sources.setCurrentIndex(0)

    def run_step(self, name: str) -> None:
        """Run one outline step ("title", "characters", "beats", "locations", "scenes", "drafts")."""
        from engine.script import outline

        if self.busy():
            return
        story = self.outline.story()
        if not story.logline:
            self.show_error("Write a logline first: every outline step starts from it.")
            return
        seed = max(self.seed.value(), 0)
        if name == "scenes":
            if not story.beats:
                self.show_error("Generate or write the beats first: scenes are planned one per beat.")
                return
            self.outline.set_story(outline.plan_scenes(story))
            self.status.setText(f"Planned {len(self.outline.story().scenes)} scenes; edit them, "
                                "then draft.")
            return
        if name == "drafts" and not story.scenes:
            self.show_error("Plan the scenes first.")
            return
        extra = {"max_new_tokens": self.max_tokens.value()} if name == "drafts" else {}
        self._step_name = name
        self._start("engine.script.jobs:outline_job", (name, story, self._model_name()),
                    self._on_step, f"Outline: {name}…", seed=seed, **extra)

    def draft_footage(self) -> None:
        """Write a text per footage beat (in the worker); the table shows them to edit."""
        if self.busy() or not self.footage.shots:
            return
        self._start("engine.script.jobs:footage_job", (self.footage.shots, self._model_name()),
                    self._on_footage_drafted, "Drafting from the footage…",
                    mode=self.footage.current_mode(), context=self.footage.context.text(),
                    seed=max(self.seed.value(), 0), lines=self.footage.lines)

    def attach_markers(self) -> None:
        """Emit `markers_ready` with the (edited) footage beats as OTIO markers."""
        if not self.footage.beats:
            return
        try:
            markers = self.footage.markers()
        except Exception as exc:  # noqa: BLE001 - one line for the writer
            self.show_error(f"Could not make markers: {one_line(exc)}")
            return
        self.markers_ready.emit(markers)
        self.status.setText(f"{len(markers)} markers sent to the timeline.")

    def screenplay(self):
        """The document as a `Screenplay`, titled from the outline when it has no title page."""
        from engine.script import parse

        screenplay = parse(self.document.toPlainText())
        title = self.outline.title.text().strip()
        if not screenplay.title_page and title:
            screenplay.title_page = {"title": title, "credit": "Written with Moviola"}
        return screenplay

    def export(self, path: str | Path) -> Path | None:
        """Write the document to `path` (.fountain, .fdx or .pdf by suffix); None on failure."""
        from engine.script import export

        path = Path(path)
        if not self.document.toPlainText().strip():
            self.show_error("The document is empty: nothing to export.")
            return None
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            export(self.screenplay(), path)
        except (OSError, ValueError) as exc:
            self.show_error(f"Could not export {path.name}: {one_line(exc)}")
            return None
        finally:
            QApplication.restoreOverrideCursor()
        self.clear_error()
        self.status.setText(f"Saved {path}")
        return path

    def export_dialog(self, suffix: str) -> Path | None:
        stem = self.screenplay().title or "draft"
        name = "".join(c if c.isalnum() or c in " -_" else "_" for c in stem).strip() or "draft"
        path, _ = QFileDialog.getSaveFileName(self, f"Export {suffix}", str(Path.home() / f"{name}{suffix}"),
                                              EXPORTS[suffix])
        if not path:
            return None
        if not Path(path).suffix:
            path += suffix
        return self.export(path)

    def refresh_preview(self) -> None:
        try:
            self.preview.show_screenplay(self.screenplay())
        except Exception as exc:
            log.exception("preview failed")
            self.show_error(f"Preview failed: {one_line(exc)}")

    def show_error(self, message: str) -> None:
        self.error.setText(f"⚠ {message}")
        self.error.setToolTip(message)
        self.error.show()

    def clear_error(self) -> None:
        self.error.hide()
        self.error.clear()

    def shutdown(self, timeout_ms: int = 5000) -> None:
        """Stop the running job, and the worker process if the tab started it (call before the
        tab goes away)."""
        if self._owns_runner:
            self.runner.shutdown(timeout_ms / 1000)
        elif self.task is not None:
            self.task.cancel()
        if self.task is not None:
            self._idle()

    # --- worker plumbing -----------------------------------------------------------------

    def _model_name(self) -> str:
        return self.model.text().strip() or DEFAULT_MODEL

    def _start(self, target: str, args: tuple, on_finished, message: str, **kwargs) -> Job:
        self.clear_error()
        task = self.runner.submit(target, *args, **kwargs)
        task.partial.connect(self._on_partial)
        task.progress.connect(self._on_progress)
        task.failed.connect(self._on_failed)
        task.cancelled.connect(self._on_cancelled)
        # The result's handler first, then the tab goes idle: waiting for idle sees the result.
        task.finished.connect(on_finished)
        task.finished.connect(self._on_done)
        self.task = task
        self._set_busy(True)
        self.progress.setValue(0)
        self.status.setText(message if self.model_in_use else f"Loading {self.model.text()}… "
                            "(first use can take a while)")
        self._pending_message = message
        return task

    def _set_busy(self, busy: bool) -> None:
        self.generate_button.setEnabled(not busy)
        self.stop_button.setEnabled(busy)
        self.outline.set_enabled_steps(not busy)
        self.footage.update_enabled(not busy)
        self.model.setEnabled(not busy)

    def _idle(self) -> None:
        self.task = None
        self._set_busy(False)

    def _on_loaded(self, model_id: str, fallback: bool, message: str) -> None:
        self.model_in_use = model_id
        self.fallback_message = message or None
        if fallback:
            self.banner.setText(
                f"⚠ {message}. It is a small model (135M parameters): short scenes, plain "
                "dialogue. For stronger drafts, enter a cached model id or a local model "
                "folder under Model.")
            self.banner.setToolTip(f"Model in use: {model_id}")
            self.banner.show()
            self.model_label.setText(f"In use: {model_id} — “{self.model.text()}” unavailable")
        else:
            self.banner.hide()
            self.model_label.setText(f"In use: {model_id}")
        self.status.setText(self._pending_message)

    def _on_partial(self, value) -> None:
        from engine.script.jobs import ModelInUse, VariantStarted

        if isinstance(value, ModelInUse):
            self._on_loaded(value.model, value.fallback, value.message)
        elif isinstance(value, VariantStarted):
            self._variant = value.index
            if value.index < len(self.panes):
                self.panes[value.index].meta.setText("writing…")

    def _on_text(self, text: str) -> None:
        if self._variant < len(self.panes):
            self.streamed[self._variant] += 1
            self.panes[self._variant].append(text)

    def _on_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(fraction * 1000))
        self.status.setText(message[:1].upper() + message[1:])

    def _on_generated(self, result) -> None:
        self.result = result
        for index, pane in enumerate(self.panes):
            if index < len(result.variants):
                # the exact decode of the whole variant, laid out as Fountain for a chat model
                pane.text.setPlainText(result.continuation(index))
                pane.meta.setText(f"seed {result.seeds[index]} · {result.tokens[index]} tokens")
                pane.use_button.setEnabled(bool(result.variants[index].strip()) or bool(result.prompt.strip()))
            else:
                pane.meta.setText("not generated (stopped)")
        speed = sum(result.tokens) / result.seconds if result.seconds else 0
        what = "Stopped" if result.cancelled else "Done"
        self._summary = (f"{len(result.variants)} variant(s), {sum(result.tokens)} tokens in "
                         f"{result.seconds:.1f} s ({speed:.1f} tokens/s), seed {result.params.seed}.")
        self.status.setText(f"{what}: {self._summary}")
        self.progress.setValue(1000 if not result.cancelled else self.progress.value())

    def _on_step(self, story) -> None:
        name = self._step_name
        self.outline.set_story(story)
        self.progress.setValue(1000)
        if name == "drafts":
            from engine.script import write

            self._set_document(write(story.screenplay()), at_start=True)
            self.status.setText(f"Drafted {len(story.scenes)} scenes into the document.")
        else:
            self.status.setText(f"Outline: {name} done — edit it, then take the next step.")

    def _on_footage_drafted(self, beats) -> None:
        self.footage.set_beats(beats)
        self.progress.setValue(1000)
        self.status.setText(f"{len(beats)} beats drafted: edit them, then attach them as markers.")

    def _on_footage_prompt(self, prompt: str) -> None:
        self.prompt.setPlainText(prompt)
        self.sources.setCurrentIndex(0)
        self.status.setText("Footage prompt in the prompt box: edit it, then generate.")

    def _on_done(self, _result) -> None:
        self._idle()

    def _on_failed(self, message: str) -> None:
        self._idle()
        self.progress.setValue(0)
        self.show_error(message)
        self.status.setText("Failed.")

    def _on_cancelled(self) -> None:
        self._idle()
        self.status.setText("Stopped.")

    def _set_document(self, text: str, at_start: bool = False) -> None:
        """Replace the document through the cursor, so Ctrl+Z brings the old text back."""
        cursor = self.document.textCursor()
        cursor.beginEditBlock()
        cursor.select(QTextCursor.SelectionType.Document)
        cursor.insertText(text)
        cursor.endEditBlock()
        if at_start:
            cursor.movePosition(QTextCursor.MoveOperation.Start)
        self.document.setTextCursor(cursor)
        self.document.ensureCursorVisible()
        self.refresh_preview()

    def _browse_model(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Model folder", self.model.text())
        if folder:
            self.model.setText(folder)
