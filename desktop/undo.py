"""Undo: every editor action is an engine edit (engine/project/edits.py) on the one stack.

Edits name their target by identity, so an undo after switching clips changes the clip it was
made on, never the one on screen; background results are not edits and no undo removes them.
"""
from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from desktop.project_model import ProjectModel
from engine.project.edits import Edit


class EditCommand(QUndoCommand):
    """An engine edit on the undo stack. If its first run fails (``ValueError``: the target
    cannot take it), the stack's ``push`` caller sees ``failed`` and the command is dropped."""

    def __init__(self, model: ProjectModel, edit: Edit) -> None:
        super().__init__(edit.text)
        self.model, self.edit = model, edit
        self.failed: str | None = None

    def redo(self) -> None:
        try:
            self.model.apply(self.edit)
        except ValueError as exc:
            self.failed = str(exc)
            self.setObsolete(True)  # QUndoStack drops an obsolete command after redo

    def undo(self) -> None:
        self.model.revert(self.edit)


def push(stack, model: ProjectModel, edit: Edit) -> str | None:
    """Apply ``edit`` through the undo stack; the reason it could not apply, or None."""
    command = EditCommand(model, edit)
    stack.push(command)
    return command.failed
