"""A result computed on a worker, with the worker's name for the file put back to the caller's."""
from __future__ import annotations

import copy
import dataclasses
from pathlib import Path, PurePath
from typing import Any


def relocate(value: Any, worker: str, caller: str) -> Any:
    """`value` with every path (or path string) equal to `worker` replaced by `caller`.

    Walks dataclasses, lists, tuples and dicts; everything else (numbers, arrays, fractions)
    is shared, not copied. A worker reads a mapped path or a copy in its temp folder, but the
    editor's result names the file as the editor's machine does.
    """
    if worker == caller:
        return value
    return _walk(value, worker, caller, Path(caller))


def _walk(value: Any, worker: str, caller: str, caller_path: Path) -> Any:
    if isinstance(value, PurePath):
        return caller_path if str(value) == worker else value
    if isinstance(value, str):
        return caller if value == worker else value
    if isinstance(value, list):
        return [_walk(v, worker, caller, caller_path) for v in value]
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(_walk(v, worker, caller, caller_path) for v in value)
    if isinstance(value, dict):
        return {k: _walk(v, worker, caller, caller_path) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        clone = copy.copy(value)
        for f in dataclasses.fields(value):
            old = getattr(value, f.name)
            new = _walk(old, worker, caller, caller_path)
            if new is not old:
                object.__setattr__(clone, f.name, new)  # frozen dataclasses too
        return clone
    return value
