"""Views subscribe to evented (psygnal) models that may outlive them."""
from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QObject


def subscribe(view: QObject, pairs: Iterable[tuple[object, Callable]]) -> None:
    """Connect each (model signal, slot) and disconnect them all when `view` is destroyed,
    so a late model change (a background job finishing) never calls a deleted widget."""
    connections = []
    for signal, slot in pairs:
        signal.connect(slot)
        connections.append((signal, slot))
    view.destroyed.connect(lambda *_: _disconnect(connections))


def _disconnect(connections) -> None:
    for signal, slot in connections:
        signal.disconnect(slot)
