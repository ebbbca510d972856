"""Low-confidence emotion labels look like guesses: faded on the timeline, "uncertain" in the inspector."""
from __future__ import annotations

from fractions import Fraction

from PySide6.QtGui import QColor

from desktop.inspector import Inspector
from desktop.timeline.colors import EMOTION_COLORS
from desktop.timeline.model import ShotEmotion, TimelineModel
from desktop.timeline.view import TimelineView


def _model() -> TimelineModel:
    return TimelineModel(rate=Fraction(24), length=200, shots=[(0, 99), (100, 199)],
                         transitions=[("cut", 100, 100)],
                         emotions={0: ShotEmotion("tense", -0.4, 0.7, 0.9), 1: ShotEmotion("tense", -0.4, 0.7, 0.3)})


def test_uncertain_blocks_are_faded(qtbot, qapp):
    model = _model()
    view = TimelineView(model)
    qtbot.addWidget(view)
    view.resize(800, 320)
    view.show()
    qtbot.waitExposed(view)
    row = view.row("shots")
    y = row.top + row.height - 14
    image = view.grab().toImage()
    sure = image.pixelColor(round(view.x_at(50)), y)
    guess = image.pixelColor(round(view.x_at(150)), y)
    tense = QColor(EMOTION_COLORS["tense"])
    assert sure == tense
    assert guess != tense and guess.saturationF() < tense.saturationF()  # same hue, washed out
    assert abs(guess.hueF() - tense.hueF()) < 0.05


def test_inspector_says_uncertain(qtbot):
    model = _model()
    inspector = Inspector(model)
    qtbot.addWidget(inspector)
    model.selected_shot = 1
    assert inspector.fields["Emotion"].text().startswith("tense — uncertain (30%)")
    model.selected_shot = 0
    assert inspector.fields["Emotion"].text().startswith("tense (90%)")
