"""The inspector follows its model, and a deleted inspector is never called again."""
from __future__ import annotations

from fractions import Fraction

import numpy as np

from desktop.inspector import Inspector
from desktop.timeline.model import ShotEmotion, TimelineModel


def test_follows_selection_and_survives_its_own_deletion(qtbot):
    model = TimelineModel(rate=Fraction(24), length=48, shots=[(0, 23), (24, 47)])
    inspector = Inspector(model)
    qtbot.addWidget(inspector)
    model.selected_shot = 1
    assert inspector.fields["Shot"].text() == "2 of 2"
    model.update_emotions({1: ShotEmotion("calm", 0.2, 0.1, 0.8)})
    assert inspector.fields["Emotion"].text().startswith("calm (80%)")
    inspector.deleteLater()
    qtbot.waitUntil(lambda: not inspector.isVisible(), timeout=1000)
    qtbot.wait(50)
    # a background job finishing after the window closed still updates the model
    model.thumbnails = {0: np.zeros((9, 16, 3), np.uint8)}
    model.selected_shot = 0
