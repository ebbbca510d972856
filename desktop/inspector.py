"""The inspector: what the engine knows about the selected shot."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.images import pixmap_from_rgb
from desktop.subscriptions import subscribe
from desktop.timeline.model import TimelineModel, timecode
from engine.affect.labels import LABELS, is_uncertain

FEATURES_SHOWN = 8


class Inspector(QWidget):
    """Subscribes to a TimelineModel's selection and shows the shot's thumbnail, range,
    incoming transition and emotion (with the explanation, once scored). The editor can
    relabel the shot: `relabel_requested(shot index, label)` feeds the learned model."""

    relabel_requested = Signal(int, str)

    def __init__(self, model: TimelineModel, parent=None) -> None:
        super().__init__(parent)
        self.model = model
        self.thumbnail = QLabel()
        self.thumbnail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumbnail.setMinimumHeight(120)
        self.fields: dict[str, QLabel] = {}
        form = QFormLayout()
        for name in ("Shot", "In", "Out", "Duration", "Transition in", "Emotion", "Why", "Features"):
            label = QLabel("—")
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fields[name] = label
            form.addRow(name, label)
        self.label_choice = QComboBox()
        self.label_choice.addItems(LABELS)
        self.relabel_button = QPushButton("Relabel")
        self.relabel_button.setToolTip("Teach Moviola your reading of this shot")
        self.relabel_button.clicked.connect(self._relabel)
        relabel = QHBoxLayout()
        relabel.addWidget(QLabel("Your label"))
        relabel.addWidget(self.label_choice, 1)
        relabel.addWidget(self.relabel_button)
        # the details scroll (explanations run long); the label row stays in reach below them
        details = QWidget()
        inner = QVBoxLayout(details)
        inner.addWidget(self.thumbnail)
        inner.addLayout(form)
        inner.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(details)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll, 1)
        layout.addLayout(relabel)
        self.explanations: dict[int, list[tuple[str, float]]] = {}
        self.features: dict[int, dict[str, float]] = {}
        subscribe(self, ((signal, self._on_selected_shot_changed) for signal in (
            model.events.selected_shot, model.events.emotions, model.events.thumbnails)))
        self._on_selected_shot_changed()

    def _on_selected_shot_changed(self, *_args) -> None:
        index = self.model.selected_shot
        self.relabel_button.setEnabled(index is not None and index in self.model.emotions)
        if index is None or index >= len(self.model.shots):
            for label in self.fields.values():
                label.setText("—")
            self.thumbnail.clear()
            self.thumbnail.setText("Select a shot in the timeline")
            return
        start, end = self.model.shots[index]
        rate = self.model.rate
        self.fields["Shot"].setText(f"{index + 1} of {len(self.model.shots)}")
        self.fields["In"].setText(f"{timecode(start, rate)}  (frame {start})")
        self.fields["Out"].setText(f"{timecode(end, rate)}  (frame {end})")
        frames = end - start + 1
        self.fields["Duration"].setText(f"{frames} frames, {frames / float(rate):.2f} s")
        incoming = next((t for t in self.model.transitions if t[2] >= start - 1 and t[1] <= start), None)
        if index == 0:
            text = "— (first shot)"
        elif incoming is None or incoming[0] == "cut":
            text = f"cut at frame {start}"
        else:
            text = f"{incoming[0]}, frames {incoming[1]}–{incoming[2]}"
        self.fields["Transition in"].setText(text)
        emotion = self.model.emotions.get(index)
        self.fields["Emotion"].setText(
            "not scored yet" if emotion is None else
            f"{emotion.label}{' — uncertain' if is_uncertain(emotion.confidence) else ''} "
            f"({emotion.confidence:.0%}) — valence {emotion.valence:+.2f}, arousal {emotion.arousal:.2f}")
        reasons = self.explanations.get(index, [])
        self.fields["Why"].setText(
            "\n".join(f"{name}: {value:+.2f}" for name, value in reasons[:5]) or "—")
        features = self.features.get(index, {})
        self.fields["Features"].setText("\n".join(
            f"{name}: {value:.3g}" for name, value in list(features.items())[:FEATURES_SHOWN]) or "—")
        if emotion is not None and emotion.label in LABELS:
            self.label_choice.setCurrentText(emotion.label)
        image = self.model.thumbnails.get(index)
        if image is not None:
            self.thumbnail.setPixmap(pixmap_from_rgb(image).scaledToHeight(
                120, Qt.TransformationMode.SmoothTransformation))
        else:
            self.thumbnail.clear()

    def _relabel(self) -> None:
        index = self.model.selected_shot
        old = self.model.emotions.get(index)
        if index is None or old is None:
            return
        # the window applies it (undoably) and the engine learns from it in the background
        self.relabel_requested.emit(index, self.label_choice.currentText())
