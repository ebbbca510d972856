"""A path field with its Browse… button, as every dialog that asks for a file or folder has."""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton


def path_row(field: QLineEdit, browse: Callable[[], None]) -> QHBoxLayout:
    button = QPushButton("Browse…")
    button.clicked.connect(browse)
    row = QHBoxLayout()
    row.addWidget(field, 1)
    row.addWidget(button)
    return row
