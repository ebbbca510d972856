"""The one relinker: where a media file is now, for project files and imported timelines."""
from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from engine.cache.fingerprint import fingerprint
from engine.timeline.urls import file_name


def find_media(stored: str, fingerprint: str | None = None, size: int | None = None, *,
               near: Sequence[Path] = (), folders: Sequence[tuple[Path, bool]] = ()) -> Path | None:
    """The one relinker: where a media file is now, or None.

    Project files and imported timelines both find their media with it. The ``near``
    places (where the file should be) are tried first, then a file of the same name in
    each folder of ``folders``, and in its subfolders too when that folder's flag is
    true. When the fingerprint is known, a candidate is accepted only if its content
    matches (its size first, which is cheap), so a different clip that happens to share
    a name is never linked silently; without one (NLE timelines carry none), the first
    file of that name is taken.

    Args:
        stored: The path as the project or timeline stated it (any OS's separators).
        fingerprint: The content fingerprint (:func:`engine.cache.fingerprint.fingerprint`).
        size: The size in bytes, if known.
        near: Candidate paths tried first, in order.
        folders: ``(folder, deep)`` pairs searched by file name, in order.
    """
    for candidate in near:
        if _matches(candidate, fingerprint, size):
            return candidate
    name = file_name(stored)
    if not name or name in (".", ".."):
        return None
    for folder, deep in folders:
        for candidate in _named_in(Path(folder), name, deep):
            if _matches(candidate, fingerprint, size):
                return candidate
    return None


def _matches(candidate: Path, key: str | None, size: int | None) -> bool:
    try:
        if not candidate.is_file():
            return False
        if key is None:
            return True
        if size is not None and candidate.stat().st_size != size:
            return False
        return fingerprint(candidate) == key
    except (OSError, ValueError):
        return False


def _named_in(folder: Path, name: str, deep: bool) -> Iterable[Path]:
    yield folder / name
    if not deep:
        return
    try:
        # os.walk rather than rglob: unreadable subfolders are skipped, not fatal.
        for root, _dirs, files in os.walk(folder):
            if name in files and Path(root) != folder:
                yield Path(root) / name
    except OSError:
        return
