"""References from a project to its media files, and finding them again after a move."""
from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

import opentimelineio as otio

from engine.cache.fingerprint import fingerprint
from engine.timeline.relink import find_media
from engine.timeline.urls import is_file_url, to_otio_url, url_to_path


@dataclass(frozen=True)
class MediaRef:
    """One media file used by a project.

    Attributes:
        path: Absolute path where the file was last found.
        fingerprint: Content fingerprint (cache key); None only for files from
            pre-release projects that were never found since.
        size: Size in bytes, a cheap first check before fingerprinting a candidate.
    """

    path: Path
    fingerprint: str | None
    size: int | None

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> MediaRef:
        """Reference an existing file (absolute path, fingerprint, size).

        Raises:
            OSError: If the file cannot be read.
        """
        absolute = Path(os.path.abspath(path))
        if not absolute.is_file():
            raise FileNotFoundError(f"media file not found: {absolute}")
        return cls(absolute, fingerprint(absolute), absolute.stat().st_size)

    @property
    def name(self) -> str:
        return self.path.name


@dataclass
class LinkReport:
    """What happened to each media file when a project was opened or relinked.

    Attributes:
        relinked: Found at another place than the stored path: ``(old_path, new_ref)``.
        modified: Found at the stored place, but its content changed (analyses will
            be recomputed because the fingerprint differs).
        missing: Not found anywhere; kept with their last known path.
    """

    relinked: list[tuple[Path, MediaRef]] = field(default_factory=list)
    modified: list[MediaRef] = field(default_factory=list)
    missing: list[MediaRef] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether any reference now differs from what the file said."""
        return bool(self.relinked or self.modified)


def ref_from_entry(entry: dict[str, Any]) -> MediaRef:
    """The reference exactly as a project file states it (no disk access)."""
    size, key = entry.get("size"), entry.get("fingerprint")
    return MediaRef(
        Path(entry["path"]),
        key if isinstance(key, str) else None,
        size if type(size) is int else None,
    )


def locate(ref: MediaRef, relative_path: str | None, base: Path | None,
           search_paths: Sequence[Path] = ()) -> tuple[MediaRef | None, str]:
    """Find a media file, trying the places an editor would expect it in order.

    1. ``relative_path`` from ``base`` (the project's folder): this follows a project
       folder that was moved or copied to another disk or machine together with its
       media, and prefers the copy over an original that may still exist.
    2. The stored absolute path.
    3. A file of the same name in each search folder, then in their subfolders.

    A candidate is accepted only when its content fingerprint matches (see
    :func:`find_media`). If nothing matches but a file exists at the relative or
    absolute place, it is taken as a modified version.

    Returns:
        ``(ref, status)`` where status is ``"online"``, ``"relinked"``, ``"modified"``
        or ``"missing"`` (then ref is None).
    """
    near: list[Path] = []
    if relative_path and base is not None:
        near.append(base.joinpath(*PurePosixPath(relative_path).parts))
    near.append(ref.path)
    found = find_media(str(ref.path), ref.fingerprint, ref.size, near=near,
                       folders=[(Path(folder), True) for folder in search_paths])
    if found is not None:
        return _found(ref, found)
    for candidate in near:
        if _is_file(candidate):
            try:
                return MediaRef.from_file(candidate), "modified"
            except (OSError, ValueError):  # unreadable: as good as missing
                continue
    return None, "missing"


def _found(ref: MediaRef, candidate: Path) -> tuple[MediaRef, str]:
    absolute = Path(os.path.abspath(candidate))
    if ref.fingerprint is None:  # pre-release reference: learn it now
        return MediaRef.from_file(absolute), "online" if absolute == ref.path else "relinked"
    if absolute == ref.path:
        return ref, "online"
    return replace(ref, path=absolute), "relinked"


def _is_file(candidate: Path) -> bool:
    try:
        return candidate.is_file()
    except (OSError, ValueError):  # a name too long, or with a NUL byte, from a hostile file
        return False


def retarget_timelines(timelines: Iterable[otio.schema.Timeline], old: Path, new: Path) -> int:
    """Point clips that used ``old`` at ``new`` (external references, URL or plain path).

    Returns:
        How many media references were changed.
    """
    changed = 0
    for timeline in timelines:
        for clip in timeline.find_clips():
            for reference in clip.media_references().values():
                if not isinstance(reference, otio.schema.ExternalReference):
                    continue
                url = reference.target_url or ""
                if _same_file(url_to_path(url), old):
                    reference.target_url = to_otio_url(str(new)) if is_file_url(url) else str(new)
                    changed += 1
    return changed


def _same_file(a: str, b: Path) -> bool:
    if not a:
        return False
    return os.path.normcase(os.path.normpath(a)) == os.path.normcase(os.path.normpath(str(b)))
