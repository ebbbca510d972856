"""Value controls that turn with the wheel only when the editor has clicked into them.

A settings panel scrolls; a spin box, combo box or slider passing under the pointer must not
take the wheel and change a value on the way. Unfocused controls ignore the wheel, so Qt hands
it to their parents and the panel scrolls instead.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractSlider, QAbstractSpinBox, QComboBox, QWidget

VALUE_CONTROLS = (QAbstractSpinBox, QComboBox, QAbstractSlider)


class WheelGuard(QObject):
    """Event filter: a wheel event over an unfocused control goes on to its parent."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Wheel and isinstance(watched, QWidget) and not watched.hasFocus():
            # Ignored and filtered: the control never sees it, and Qt offers it to the parents.
            event.ignore()
            return True
        return False


def guard_wheel(root: QWidget) -> WheelGuard:
    """Guard `root` (if it is a value control) and every value control inside it.

    The controls take focus by click or Tab, never by the wheel (`Qt.StrongFocus`).
    """
    guard = WheelGuard(root)
    controls = [root] if isinstance(root, VALUE_CONTROLS) else []
    for kind in VALUE_CONTROLS:
        controls += root.findChildren(kind)
    for control in controls:
        control.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        control.installEventFilter(guard)
    return guard
