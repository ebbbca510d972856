"""The one error type interchange code raises for bad input files."""
from __future__ import annotations

import os


class InterchangeError(ValueError):
    """A file that cannot be read or written; ``str()`` is one line for the editor.

    Attributes:
        path: The file concerned (may be None for in-memory input).
        problem: What is wrong, without the path.
    """

    def __init__(self, path: str | os.PathLike[str] | None, problem: str):
        self.path = os.fspath(path) if path is not None else None
        self.problem = problem
        super().__init__(f"{self.path}: {problem}" if self.path else problem)
