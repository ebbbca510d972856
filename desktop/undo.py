"""Undoable edits: every change the editor makes goes through a QUndoStack command."""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoCommand

from desktop.timeline.model import ShotEmotion, TimelineModel


class RelabelShot(QUndoCommand):
    """The editor's label on a shot (the learned model keeps the example either way)."""

    def __init__(self, model: TimelineModel, index: int, label: str) -> None:
        super().__init__(f"Relabel shot {index + 1} as {label}")
        self.model, self.index = model, index
        self.before = model.emotions[index]
        self.after = ShotEmotion(label, self.before.valence, self.before.arousal, 1.0)

    def redo(self) -> None:
        self.model.update_emotions({self.index: self.after})

    def undo(self) -> None:
        self.model.update_emotions({self.index: self.before})


class EditTimelines(QUndoCommand):
    """Any change to the project's timelines (proposals added, an element placed, markers
    attached), undone by restoring copies taken before it."""

    def __init__(self, project, text: str, change: Callable[[], None]) -> None:
        super().__init__(text)
        self.project, self.change = project, change
        self.before = [t.clone() for t in project.timelines]
        self.after = None

    def redo(self) -> None:
        if self.after is None:
            self.change()  # the first time, the edit itself runs
            self.after = [t.clone() for t in self.project.timelines]
        else:
            self.project.timelines = [t.clone() for t in self.after]
        self.project.timeline_edited()

    def undo(self) -> None:
        self.project.timelines = [t.clone() for t in self.before]
        self.project.timeline_edited()
