"""Reading files that came from elsewhere (timelines, projects) without hanging or blowing up.

Guards that every reader of such files shares:

* :func:`read_regular_file` reads only regular files, and at most ``limit`` bytes.
  A FIFO, a character device (``/dev/urandom``, ``/dev/zero``) or a folder given as
  a project or timeline would otherwise block forever or never end.
* :func:`check_json_nesting` refuses deeply nested JSON before a parser sees it:
  OpenTimelineIO's reader crashes the process (stack overflow) on tens of thousands
  of levels, Python's ``json`` raises ``RecursionError``, and deep arrays cost
  quadratic time. No real timeline nests more than a few dozen levels.
* :func:`load_json` is strict JSON with that bound: no NaN, no key twice in an object.
  OpenTimelineIO's own parser crashes the process (SIGSEGV) on some malformed JSON and
  on a repeated key (``{"a": {}, "a": {"OTIO_SCHEMA": "Clip.2"}}``), so a text must
  pass this before OpenTimelineIO reads it.
"""
from __future__ import annotations

import json
import os
import stat
from typing import Any

import numpy as np

#: Nesting beyond this is refused: OTIO timelines with nested stacks reach ~30.
MAX_JSON_DEPTH = 256

# +1 for an opening bracket, -1 for a closing one, by byte value.
_STEP = np.zeros(256, dtype=np.int8)
_STEP[[ord("["), ord("{")]] = 1
_STEP[[ord("]"), ord("}")]] = -1
_QUOTE = ord('"')
_NOT_MARKS = bytes(sorted(set(range(256)) - set(b'"[]{}')))
_CHUNK = 1 << 20


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

    Linear and fast whatever the size: escaped backslashes and then escaped quotes are
    dropped (``bytes.replace`` pairs a run of backslashes from the left, as JSON does),
    everything but quotes and brackets is deleted, and numpy follows the string state
    and the depth over what is left, a chunk at a time. Malformed JSON gets a number
    too, and the JSON parser then refuses it anyway.
    """
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    marks = data.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _NOT_MARKS)
    text = np.frombuffer(marks, dtype=np.uint8)
    depth = deepest = 0
    inside = False  # in a string where the chunk starts
    for start in range(0, len(text), _CHUNK):
        chunk = text[start:start + _CHUNK]
        in_string = (np.cumsum(chunk == _QUOTE, dtype=np.int64) % 2 == 1) ^ inside
        levels = np.cumsum(np.where(in_string, 0, _STEP[chunk]), dtype=np.int64) + depth
        deepest = max(deepest, int(levels.max()))
        depth, inside = int(levels[-1]), bool(in_string[-1])
    return deepest


def check_json_nesting(path: str | os.PathLike[str], data: bytes | str, limit: int = MAX_JSON_DEPTH) -> None:
    """Refuse JSON nested deeper than ``limit`` levels.

    Raises:
        UntrustedFileError: If it is.
    """
    depth = json_nesting(data)
    if depth > limit:
        raise UntrustedFileError(path, f"JSON nested {depth} levels deep, over the limit of {limit}")


def load_json(path: str | os.PathLike[str], data: bytes | str, limit: int = MAX_JSON_DEPTH) -> Any:
    """Parse strict JSON (no NaN or Infinity, no repeated key) nested at most ``limit`` levels.

    Raises:
        UntrustedFileError: If it is nested too deep, not UTF-8, or not valid JSON; the
            problem says where (``invalid JSON at line 3, column 7: ...``).
    """
    check_json_nesting(path, data, limit)
    try:
        return json.loads(data, parse_constant=_refuse_constant, object_pairs_hook=_unique_keys)
    except UnicodeDecodeError:
        raise UntrustedFileError(path, "not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise UntrustedFileError(path, f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except ValueError as exc:  # NaN, or a number with more digits than Python converts
        raise UntrustedFileError(path, f"invalid JSON: {' '.join(str(exc).split())[:200]}") from None


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise ValueError(f"key {key[:60]!r} appears twice in one object")
        found[key] = value
    return found


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")
