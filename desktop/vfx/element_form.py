"""An editor for ``engine.vfx.Element`` generated from the dataclass's fields.

Each field gets a widget chosen by its type (number, whole number, switch, text, colour,
optional seconds); ranges and units come from ``FIELD_SPECS`` where the engine documents
them, and tooltips from the dataclass's own docstring, so a field added to ``Element``
appears here without changing this module.
"""
from __future__ import annotations

import dataclasses
import random
import re
import typing

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QToolButton,
    QWidget,
)

from engine.vfx.elements import KINDS, Element

# name -> (minimum, maximum, step, decimals, suffix); decimals 0 means a whole number.
FIELD_SPECS: dict[str, tuple[float, float, float, int, str]] = {
    "density": (0.0, 1.0, 0.05, 2, ""),
    "speed": (0.0, 10.0, 0.01, 3, " frame heights/s"),
    "direction": (0.0, 360.0, 5.0, 0, "°"),
    "size": (0.1, 10.0, 0.1, 2, "×"),
    "layers": (1, 8, 1, 0, ""),
    "opacity": (0.0, 1.0, 0.05, 2, ""),
    "duration": (0.0, 3600.0, 0.5, 2, " s"),
    "seed": (0, 2**31 - 1, 1, 0, ""),
    "motion_blur": (0.0, 1.0, 0.05, 2, " frame"),
    "fade_in": (0.0, 60.0, 0.25, 2, " s"),
    "fade_out": (0.0, 60.0, 0.25, 2, " s"),
}
LABELS = {"kind": "Element", "colour": "Colour", "motion_blur": "Motion blur",
          "fade_in": "Fade in", "fade_out": "Fade out", "tracked": "Follow camera"}
KIND_NAMES = {"light_leak": "light leak", "grain": "film grain"}
# Fields that mean something for some kinds only.
ONLY_FOR = {"text": {"title"}}


def field_help(cls) -> dict[str, str]:
    """Per-field descriptions from a Google-style ``Attributes:`` docstring section."""
    doc = cls.__doc__ or ""
    part = doc.split("Attributes:", 1)[1] if "Attributes:" in doc else ""
    out: dict[str, str] = {}
    current: list[str] = []
    for line in part.splitlines():
        m = re.match(r"\s{4,8}([a-z_][\w, ]*):\s*(.*)", line)
        if m and not line.startswith(" " * 12):
            current = [n.strip() for n in m.group(1).split(",")]
            for name in current:
                out[name] = m.group(2).strip()
        elif line.strip() and current:
            for name in current:
                out[name] += " " + line.strip()
    return out


def label_for(name: str) -> str:
    return LABELS.get(name, name.replace("_", " ").capitalize())


class ColourButton(QPushButton):
    """A swatch that opens the colour picker; value is straight RGB 0..1."""

    changed = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rgb = (1.0, 1.0, 1.0)
        self.clicked.connect(self._pick)
        self._paint()

    def value(self) -> tuple[float, float, float]:
        return self._rgb

    def set_value(self, rgb) -> None:
        self._rgb = tuple(float(c) for c in rgb)
        self._paint()

    def _paint(self) -> None:
        colour = QColor.fromRgbF(*self._rgb)
        ink = "#000" if colour.lightnessF() > 0.55 else "#fff"
        self.setText(colour.name())
        self.setStyleSheet(f"background: {colour.name()}; color: {ink}; border: 1px solid #555;")

    def _pick(self) -> None:
        colour = QColorDialog.getColor(QColor.fromRgbF(*self._rgb), self, "Element colour")
        if colour.isValid():
            self.set_value((colour.redF(), colour.greenF(), colour.blueF()))
            self.changed.emit()


class ElementForm(QWidget):
    """Every ``Element`` field as an editable row. Emits ``changed`` on any edit."""

    changed = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.editors: dict[str, QWidget] = {}
        self._loading = False
        helps = field_help(Element)
        hints = typing.get_type_hints(Element)
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for f in dataclasses.fields(Element):
            editor = self._editor_for(f.name, hints[f.name])
            editor.setToolTip(helps.get(f.name, ""))
            editor.setObjectName(f"element_{f.name}")
            self.editors[f.name] = editor
            row = editor
            if f.name == "seed":
                row = QWidget()
                box = QHBoxLayout(row)
                box.setContentsMargins(0, 0, 0, 0)
                box.addWidget(editor, 1)
                self.new_seed = QToolButton()
                self.new_seed.setText("New seed")
                self.new_seed.setToolTip("Another random variation of the same element")
                self.new_seed.clicked.connect(self.randomise_seed)
                box.addWidget(self.new_seed)
            self.form.addRow(label_for(f.name), row)
        self.set_element(Element.preset("rain"))

    # -- building --------------------------------------------------------------------------
    def _editor_for(self, name: str, hint) -> QWidget:
        args = typing.get_args(hint)
        optional = type(None) in args
        base = next((a for a in args if a is not type(None)), hint) if optional else hint
        if name == "kind":
            w = QComboBox()
            for kind in KINDS:
                w.addItem(KIND_NAMES.get(kind, kind), kind)
            w.currentIndexChanged.connect(self._kind_changed)
            return w
        if typing.get_origin(base) is tuple:
            w = ColourButton()
            w.changed.connect(self._emit)
            return w
        if base is bool:
            w = QCheckBox()
            w.toggled.connect(self._emit)
            return w
        if base is str:
            w = QLineEdit()
            w.textEdited.connect(self._emit)
            return w
        lo, hi, step, decimals, suffix = FIELD_SPECS.get(name, (-1e6, 1e6, 1, 0 if base is int else 3, ""))
        if base is int:
            w = QSpinBox()
            w.setRange(int(lo), int(hi))
        else:
            w = QDoubleSpinBox()
            w.setRange(lo, hi)
            w.setDecimals(decimals)
            if name == "direction":
                w.setWrapping(True)
        w.setSingleStep(step)
        w.setSuffix(suffix)
        w.setKeyboardTracking(False)
        if optional:
            # The minimum stands for None: "whole shot" for a duration.
            w.setSpecialValueText("whole shot" if name == "duration" else "none")
        w.valueChanged.connect(self._emit)
        return w

    # -- values ----------------------------------------------------------------------------
    def element(self) -> Element:
        """The element the form shows (raises ValueError when the engine rejects it)."""
        hints = typing.get_type_hints(Element)
        values = {}
        for name, w in self.editors.items():
            if name == "kind":
                values[name] = w.currentData()
            elif isinstance(w, ColourButton):
                values[name] = w.value()
            elif isinstance(w, QCheckBox):
                values[name] = w.isChecked()
            elif isinstance(w, QLineEdit):
                values[name] = w.text()
            else:
                v = w.value()
                if w.specialValueText() and v == w.minimum():
                    v = None
                elif hints[name] is int or isinstance(w, QSpinBox):
                    v = int(v)
                values[name] = v
        return Element(**values)

    def set_element(self, element: Element) -> None:
        """Show ``element`` without emitting ``changed`` for each field."""
        self._loading = True
        try:
            for name, w in self.editors.items():
                v = getattr(element, name)
                if name == "kind":
                    w.setCurrentIndex(w.findData(v))
                elif isinstance(w, ColourButton):
                    w.set_value(v)
                elif isinstance(w, QCheckBox):
                    w.setChecked(bool(v))
                elif isinstance(w, QLineEdit):
                    w.setText(str(v))
                else:
                    w.setValue(w.minimum() if v is None else v)
            self._update_rows(element.kind)
        finally:
            self._loading = False

    def randomise_seed(self) -> None:
        self.editors["seed"].setValue(random.randrange(1, 100000))

    # -- internals -------------------------------------------------------------------------
    def _update_rows(self, kind: str) -> None:
        for name, kinds in ONLY_FOR.items():
            self.form.setRowVisible(self.editors[name], kind in kinds)

    def _kind_changed(self) -> None:
        if self._loading:
            return
        # Another kind: its own defaults, but keep the seed the editor chose.
        kind = self.editors["kind"].currentData()
        self.set_element(Element.preset(kind, seed=self.editors["seed"].value()))
        self._emit()

    def _emit(self, *_args) -> None:
        if not self._loading:
            self.changed.emit()
