"""Open, save, autosave and recover the `.moviola` project behind the main window."""
from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from engine.project import Autosaver, Project, ProjectError
from engine.settings import config_dir

log = logging.getLogger(__name__)
FILTER = "Moviola project (*.moviola)"
AUTOSAVE_CHECK_MS = 5_000
RECENT_KEPT = 8  # cheap: the Autosaver writes only when dirty and its interval passed

Ask = Callable[[str, str, QMessageBox.StandardButton], QMessageBox.StandardButton]


def ask_with_dialog(parent: QWidget) -> Ask:
    def ask(title: str, text: str, buttons: QMessageBox.StandardButton) -> QMessageBox.StandardButton:
        return QMessageBox.question(parent, title, text, buttons)
    return ask


class ProjectController(QObject):
    """Owns the current Project; the window asks it to open/save and listens to `changed`.

    `changed(project)` fires when a different project object becomes current; `message(str)`
    carries one-line outcomes for the status bar. Dialogs go through `ask` and the file pickers
    so tests can answer them.
    """

    changed = Signal(object)
    message = Signal(str)

    def __init__(self, parent: QWidget, project: Project | None = None,
                 autosave_interval: float = 60.0) -> None:
        super().__init__(parent)
        self.window = parent
        self.ask: Ask = ask_with_dialog(parent)
        self.project = project or Project()
        self._interval = autosave_interval
        self.autosaver = Autosaver(self.project, interval=autosave_interval)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._autosave_tick)
        self._timer.start(AUTOSAVE_CHECK_MS)

    # -- actions -----------------------------------------------------------------------------
    def new(self) -> None:
        if self.confirm_discard():
            self._set_project(Project())

    def open(self, path: Path | None = None) -> bool:
        if path is None:
            name, _ = QFileDialog.getOpenFileName(self.window, "Open project", "", FILTER)
            if not name:
                return False
            path = Path(name)
        if not self.confirm_discard():
            return False
        prefer_autosave = False
        if Project.recoverable(path):
            answer = self.ask("Recover unsaved work?",
                              f"{path.name} has an autosave newer than the saved file "
                              "(Moviola may have closed unexpectedly). Open the autosave?",
                              QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
            prefer_autosave = answer == QMessageBox.StandardButton.Yes
        try:
            project = Project.load(path, search_paths=[path.parent],
                                   prefer_autosave=prefer_autosave)
        except ProjectError as exc:
            self.message.emit(f"Could not open {exc}")
            return False
        self._set_project(project)
        self._remember(path)
        missing = project.link_report.missing
        tail = f" — {len(missing)} clip(s) offline" if missing else ""
        self.message.emit(f"Opened {path.name}{' (recovered autosave)' if prefer_autosave else ''}{tail}")
        return True

    def recover_at_launch(self) -> bool:
        """Offer the work a crash left behind: the newest recent project whose autosave is newer
        than its save, else the newest untitled autosave (called once at start)."""
        for path in self.recent(include_missing=True):
            if not Project.recoverable(path):
                continue
            answer = self.ask("Recover unsaved work?",
                              f"{path.name} has unsaved changes from when Moviola last closed "
                              "unexpectedly. Recover them?",
                              QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                Project.discard_autosave(path)  # the editor said no: never offered again
                continue
            return self._recover(lambda p=path: Project.load(p, search_paths=[p.parent],
                                                             prefer_autosave=True),
                                 f"Recovered unsaved changes of {path.name}")
        return self.recover_untitled()

    def _recover(self, load: Callable[[], Project], done: str) -> bool:
        try:
            self._set_project(load())
        except ProjectError as exc:
            self.message.emit(f"Could not recover {exc}")
            return False
        self.message.emit(done)
        return True

    def recover_untitled(self) -> bool:
        """Offer the newest autosave of a never-saved project."""
        autosaves = Project.untitled_autosaves()
        if not autosaves:
            return False
        answer = self.ask("Recover unsaved work?",
                          "An untitled project was not saved when Moviola last closed. Recover it?",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            for path in autosaves:
                path.unlink(missing_ok=True)
            return False
        return self._recover(lambda: Project.load(autosaves[0]), "Recovered the untitled project")

    def save(self) -> bool:
        if self.project.path is None:
            return self.save_as()
        return self._save_to(self.project.path)

    def save_as(self, path: Path | None = None) -> bool:
        if path is None:
            name, _ = QFileDialog.getSaveFileName(self.window, "Save project", "", FILTER)
            if not name:
                return False
            path = Path(name)
        if path.suffix != ".moviola":
            path = path.with_name(path.name + ".moviola")
        return self._save_to(path)

    def confirm_discard(self) -> bool:
        """True when it is safe to drop the current project (saved, or the editor agreed)."""
        if not self.project.dirty:
            return True
        buttons = (QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                   | QMessageBox.StandardButton.Cancel)
        answer = self.ask("Unsaved changes", "Save the changes to this project first?", buttons)
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        if answer == QMessageBox.StandardButton.Discard:
            # what the editor discarded is never offered for recovery, untitled work included
            self.project.discard_autosave_file()
            return True
        return False

    def recent(self, include_missing: bool = False) -> list[Path]:
        """Projects opened or saved lately, newest first, that still exist (or, with
        ``include_missing``, whose autosave may be all that is left)."""
        stored = _settings().value("recent", []) or []
        stored = [stored] if isinstance(stored, str) else stored
        return [Path(p) for p in stored if include_missing or Path(p).is_file()]

    def _remember(self, path: Path) -> None:
        paths = [str(path)] + [str(p) for p in self.recent() if p != path]
        _settings().setValue("recent", paths[:RECENT_KEPT])

    # -- internals ---------------------------------------------------------------------------
    def _save_to(self, path: Path) -> bool:
        try:
            saved = self.project.save(path)
        except ProjectError as exc:
            self.message.emit(f"Could not save {exc}")
            return False
        self._remember(saved)
        self.message.emit(f"Saved {saved}")
        return True

    def _set_project(self, project: Project) -> None:
        self.project = project
        self.autosaver = Autosaver(project, interval=self._interval)
        self.changed.emit(project)

    def _autosave_tick(self) -> None:
        if self.autosaver.maybe_autosave() is None and self.autosaver.last_error is not None:
            self.message.emit(f"Autosave failed: {self.autosaver.last_error}")


def _settings() -> QSettings:
    return QSettings(str(config_dir() / "window.ini"), QSettings.Format.IniFormat)
