"""Periodic autosave driven by whoever owns a clock (the UI timer), with no Qt here."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from engine.project.fileformat import ProjectError
from engine.project.project import Project

log = logging.getLogger(__name__)


class Autosaver:
    """Autosaves a project when it has unsaved changes and ``interval`` seconds have passed.

    The UI calls :meth:`maybe_autosave` from a timer (every few seconds is fine: it
    does nothing until there is something to save and the interval is over).

    Args:
        project: The project to protect.
        interval: Minimum seconds between two autosaves.
        clock: Monotonic time source, injectable for tests.
    """

    def __init__(self, project: Project, interval: float = 120.0,
                 clock: Callable[[], float] = time.monotonic):
        self.project = project
        self.interval = interval
        self._clock = clock
        self._last = clock()
        self.last_error: ProjectError | None = None

    def maybe_autosave(self, now: float | None = None) -> Path | None:
        """Autosave if due.

        Args:
            now: The current time on ``clock``'s scale; read from it when None.

        Returns:
            The autosave file when one was written, else None. A failure is logged
            and kept in ``last_error`` (the UI may show it), never raised: a timer
            callback has nobody to raise to.
        """
        now = self._clock() if now is None else now
        if not self.project.needs_autosave or now - self._last < self.interval:
            return None
        self._last = now
        try:
            path = self.project.autosave()
        except ProjectError as exc:
            log.warning("autosave failed: %s", exc)
            self.last_error = exc
            return None
        self.last_error = None
        return path
