"""Reading files that came from elsewhere (timelines, projects) without hanging or blowing up.

Two guards that every reader of such files shares:

* :func:`read_regular_file` reads only regular files, and at most ``limit`` bytes.
  A FIFO, a character device (``/dev/urandom``, ``/dev/zero``) or a folder given as
  a project or timeline would otherwise block forever or never end.
* :func:`check_json_nesting` refuses deeply nested JSON before a parser sees it:
  OpenTimelineIO's reader crashes the process (stack overflow) on tens of thousands
  of levels, Python's ``json`` raises ``RecursionError``, and deep arrays cost
  quadratic time. No real timeline nests more than a few dozen levels.
"""
from __future__ import annotations

import os
import re
import stat

import numpy as np

#: Nesting beyond this is refused: OTIO timelines with nested stacks reach ~30.
MAX_JSON_DEPTH = 256

# A JSON string (with escapes), to be blanked out before counting brackets.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)


class UntrustedFileError(ValueError):
    """A file refused before parsing; ``problem`` says why, without the path."""

    def __init__(self, path: str | os.PathLike[str], problem: str):
        self.path = os.fspath(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


def read_regular_file(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes.

    The file is checked before it is opened (a FIFO is never opened, so opening cannot
    block), opened non-blocking, and checked again on the open handle, so a file
    swapped for a FIFO in between is caught too.

    Raises:
        FileNotFoundError: If there is no such file.
        UntrustedFileError: If it is not a regular file or is over ``limit`` bytes.
        OSError: If it cannot be read.
    """
    info = os.stat(path)
    _check(path, info, limit)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as handle:
        _check(path, os.fstat(handle.fileno()), limit)
        data = handle.read(limit + 1)
    if len(data) > limit:  # grew since the check
        raise UntrustedFileError(path, f"file is over the {_mb(limit)} limit")
    return data


def _check(path, info: os.stat_result, limit: int) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise UntrustedFileError(path, "is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise UntrustedFileError(path, "not a regular file (a device, pipe or socket)")
    if info.st_size > limit:
        raise UntrustedFileError(path, f"file is {_mb(info.st_size)}, over the {_mb(limit)} limit")


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size < 10e6 else f"{size / 1e6:.0f} MB"


def json_nesting(data: bytes | str) -> int:
    """The deepest nesting of ``[`` and ``{`` in a JSON text, brackets in strings ignored.

    Linear in the size of the text (a regular expression and numpy do the work), and
    meaningful for malformed JSON too: an unterminated string counts its brackets.
    """
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    stripped = np.frombuffer(_JSON_STRING.sub(b'""', data), dtype=np.uint8)
    steps = (np.isin(stripped, (ord("["), ord("{"))).astype(np.int64)
             - np.isin(stripped, (ord("]"), ord("}"))).astype(np.int64))
    return int(np.cumsum(steps).max(initial=0))


def check_json_nesting(path: str | os.PathLike[str], data: bytes | str, limit: int = MAX_JSON_DEPTH) -> None:
    """Refuse JSON nested deeper than ``limit`` levels.

    Raises:
        UntrustedFileError: If it is.
    """
    depth = json_nesting(data)
    if depth > limit:
        raise UntrustedFileError(path, f"JSON nested {depth} levels deep, over the limit of {limit}")
