"""The one exception the media layer raises for unreadable or unsuitable files."""
from __future__ import annotations

from os import PathLike
from pathlib import Path


class MediaError(Exception):
    """A media file could not be used; ``str(error)`` is ``"<file name>: <problem>"``.

    The message is one line so that batch jobs and the desktop can show it as is.

    Attributes:
        path: The file concerned.
        problem: What is wrong, in words an editor understands.
    """

    def __init__(self, path: str | PathLike[str], problem: str):
        self.path = Path(path)
        # Decoder messages can carry newlines; the contract is a single line.
        self.problem = " ".join(str(problem).split())
        super().__init__(f"{self.path.name}: {self.problem}")

    def __reduce__(self):
        # Errors cross process boundaries (analysis runs in a process pool), and the
        # default Exception pickling would call __init__ with the formatted message only.
        return (type(self), (self.path, self.problem))
