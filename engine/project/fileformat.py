"""Reading and checking the ``.moviola`` project file format (JSON).

Layout of version 1::

    {
      "schema": "moviola.project",
      "version": 1,
      "media": [{"path": "/abs/clip.mov", "relative_path": "media/clip.mov",
                 "fingerprint": "v1-...", "size": 123}],
      "settings": {...},            # analysis settings, plain JSON
      "timelines": [{...}],         # each an OpenTimelineIO "otio_json" document
      "autosave_of": "/abs/x.moviola" | null   # only in autosave files
    }

Timelines are embedded as JSON objects rather than strings so that the file diffs
and greps well. ``relative_path`` uses ``/`` on every platform and is relative to
the folder of the file it is in.
"""
from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine.timeline.otio_guard import check_schemas
from engine.untrusted import UntrustedFileError, load_json, read_regular_file

SCHEMA = "moviola.project"
VERSION = 1
SUFFIX = ".moviola"
#: Project files above this are refused: a feature with hundreds of timelines is ~20 MB.
MAX_BYTES = 200 * 1024 * 1024


class ProjectError(Exception):
    """A project file cannot be read or written; the message names the file and the problem."""


def read_document(path: Path) -> dict[str, Any]:
    """Read, check and migrate a project file to the current version.

    Args:
        path: The ``.moviola`` (or autosave) file.

    Returns:
        The document as a dict in the current layout.

    Raises:
        ProjectError: If the file is missing, not JSON, not a Moviola project, from a
            newer Moviola, or malformed.
    """
    try:
        raw = read_regular_file(path, MAX_BYTES)
    except FileNotFoundError:
        raise ProjectError(f"{path}: project file not found") from None
    except UntrustedFileError as exc:
        raise ProjectError(f"{path}: cannot read project file ({exc.problem})") from None
    except OSError as exc:
        raise ProjectError(f"{path}: cannot read project file ({exc.strerror or exc})") from exc
    try:
        # Strict JSON with bounded nesting: json and OpenTimelineIO recurse once per level.
        doc = load_json(path, raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ProjectError(f"{path}: not a Moviola project (not UTF-8 text)") from None
    except UntrustedFileError as exc:
        raise ProjectError(f"{path}: not a Moviola project ({exc.problem})") from None
    if not isinstance(doc, dict):
        raise ProjectError(f"{path}: not a Moviola project (expected a JSON object)")
    if "schema" not in doc:
        raise ProjectError(f'{path}: not a Moviola project (no "schema" field)')
    if doc["schema"] != SCHEMA:
        raise ProjectError(f'{path}: not a Moviola project ("schema" is {_short(doc["schema"])}, expected {SCHEMA!r})')
    version = doc.get("version")
    if type(version) is not int or version < 0:
        raise ProjectError(f'{path}: invalid project file ("version" is {_short(version)}, expected a whole number)')
    if version > VERSION:
        raise ProjectError(
            f"{path}: project file version {version} is newer than this Moviola supports "
            f"(up to {VERSION}); open it with a newer Moviola"
        )
    while version < VERSION:
        try:
            doc = _MIGRATIONS[version](doc)
        except Exception as exc:  # a damaged old file: say so, do not crash
            raise ProjectError(
                f"{path}: cannot upgrade project file from version {version} ({_one_line(exc)})") from exc
        version += 1
        doc["version"] = version
    _check_layout(path, doc)
    return doc


def _check_layout(path: Path, doc: dict[str, Any]) -> None:
    """Check the type of every field the loader uses, so loading can only fail with ProjectError."""
    def bad(what: str) -> ProjectError:
        return ProjectError(f"{path}: invalid project file ({what})")

    media = doc.get("media", [])
    if not isinstance(media, list):
        raise bad('"media" is not a list')
    for i, entry in enumerate(media):
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            raise bad(f'media entry {i} has no "path"')
        if not _usable_path(entry["path"]):
            raise bad(f'media entry {i} has an unusable "path"')
        relative = entry.get("relative_path")
        if relative is not None and not (isinstance(relative, str) and _usable_path(relative)):
            raise bad(f'media entry {i}: "relative_path" is {_kind(relative)}, expected a path or null')
        key = entry.get("fingerprint")
        if key is not None and not isinstance(key, str):
            raise bad(f'media entry {i}: "fingerprint" is {_kind(key)}, expected text or null')
        size = entry.get("size")
        if size is not None and (type(size) is not int or size < 0):
            raise bad(f'media entry {i}: "size" is {_kind(size)}, expected a whole number or null')
    if not isinstance(doc.get("settings", {}), dict):
        raise bad('"settings" is not an object')
    timelines = doc.get("timelines", [])
    if not isinstance(timelines, list):
        raise bad('"timelines" is not a list')
    for i, timeline in enumerate(timelines):
        if not isinstance(timeline, dict):
            raise bad(f"timeline {i} is {_kind(timeline)}, expected an OpenTimelineIO object")
        try:
            check_schemas(path, timeline)  # what would crash OpenTimelineIO's reader
        except UntrustedFileError as exc:
            raise bad(f"timeline {i}: {exc.problem}") from None
    origin = doc.get("autosave_of")
    if origin is not None and not isinstance(origin, str):
        raise bad(f'"autosave_of" is {_kind(origin)}, expected a path or null')


def _short(value: Any) -> str:
    """``repr`` of a value from the file, cut to fit in a one-line message."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def _usable_path(text: str) -> bool:
    # The OS refuses NUL in a path (ValueError, not OSError); 4096 is Linux's PATH_MAX.
    return 0 < len(text) <= 4096 and "\0" not in text


def _kind(value: Any) -> str:
    """A JSON value's kind for a message: ``a number``, ``text``, ``a list``..."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return f"the number {value!r}" if abs(value) < 1e15 else "a number"
    if isinstance(value, str):
        return "empty text" if not value else "text"
    return {dict: "an object", list: "a list", type(None): "null"}.get(type(value), type(value).__name__)


def _from_v0(doc: dict[str, Any]) -> dict[str, Any]:
    """Pre-release drafts: media as bare path strings, timelines as OTIO JSON strings."""
    media = [{"path": m} if isinstance(m, str) else m for m in doc.get("media", [])]
    timelines = [_loads_bounded(t) if isinstance(t, str) else t for t in doc.get("timelines", [])]
    return {**doc, "media": media, "timelines": timelines, "settings": doc.get("settings", {})}


def _loads_bounded(text: str) -> Any:
    return load_json("timeline", text)


#: ``_MIGRATIONS[n]`` turns a version-n document into a version n+1 document.
_MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {0: _from_v0}


def write_document(doc: dict[str, Any]) -> str:
    """Format a document for writing: indented, UTF-8 friendly, ending with a newline."""
    return json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def relative_to(path: Path, folder: Path | None) -> str | None:
    """``path`` relative to ``folder`` with ``/`` separators, or None (other drive, no folder)."""
    if folder is None:
        return None
    try:
        return Path(os.path.relpath(path, folder)).as_posix()
    except ValueError:  # Windows: different drives have no relative path
        return None
