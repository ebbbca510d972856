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

SCHEMA = "moviola.project"
VERSION = 1
SUFFIX = ".moviola"


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
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ProjectError(f"{path}: project file not found") from None
    except OSError as exc:
        raise ProjectError(f"{path}: cannot read project file ({exc.strerror or exc})") from exc
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ProjectError(f"{path}: not a Moviola project (not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        raise ProjectError(
            f"{path}: not a Moviola project (invalid JSON at line {exc.lineno}, "
            f"column {exc.colno}: {exc.msg})"
        ) from None
    if not isinstance(doc, dict):
        raise ProjectError(f"{path}: not a Moviola project (expected a JSON object)")
    if "schema" not in doc:
        raise ProjectError(f'{path}: not a Moviola project (no "schema" field)')
    if doc["schema"] != SCHEMA:
        raise ProjectError(f'{path}: not a Moviola project ("schema" is {doc["schema"]!r}, expected {SCHEMA!r})')
    version = doc.get("version")
    if type(version) is not int or version < 0:
        raise ProjectError(f'{path}: invalid project file ("version" is {version!r}, expected a whole number)')
    if version > VERSION:
        raise ProjectError(
            f"{path}: project file version {version} is newer than this Moviola supports "
            f"(up to {VERSION}); open it with a newer Moviola"
        )
    while version < VERSION:
        try:
            doc = _MIGRATIONS[version](doc)
        except Exception as exc:  # a damaged old file: say so, do not crash
            raise ProjectError(f"{path}: cannot upgrade project file from version {version} ({exc})") from exc
        version += 1
        doc["version"] = version
    _check_layout(path, doc)
    return doc


def _check_layout(path: Path, doc: dict[str, Any]) -> None:
    def bad(what: str) -> ProjectError:
        return ProjectError(f"{path}: invalid project file ({what})")

    if not isinstance(doc.get("media", []), list):
        raise bad('"media" is not a list')
    for i, entry in enumerate(doc.get("media", [])):
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            raise bad(f'media entry {i} has no "path"')
    if not isinstance(doc.get("settings", {}), dict):
        raise bad('"settings" is not an object')
    if not isinstance(doc.get("timelines", []), list):
        raise bad('"timelines" is not a list')


def _from_v0(doc: dict[str, Any]) -> dict[str, Any]:
    """Pre-release drafts: media as bare path strings, timelines as OTIO JSON strings."""
    media = [{"path": m} if isinstance(m, str) else m for m in doc.get("media", [])]
    timelines = [json.loads(t) if isinstance(t, str) else t for t in doc.get("timelines", [])]
    return {**doc, "media": media, "timelines": timelines, "settings": doc.get("settings", {})}


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
