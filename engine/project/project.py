"""The project model: media, analysis settings and timelines, saved as a ``.moviola`` file.

Views subscribe to ``project.events`` (psygnal, so no Qt here). ``timelines`` and
``settings`` are psygnal evented containers: adding, removing or replacing items is
noticed automatically. Edits *inside* an OpenTimelineIO timeline are not observable,
so whoever edits one calls :meth:`Project.timeline_edited`.
"""
from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import opentimelineio as otio
from psygnal import Signal, SignalGroup
from psygnal.containers import EventedDict, EventedList

from engine.atomic import atomic_write_text, sweep_stale_temporaries
from engine.project.fileformat import (
    SCHEMA,
    VERSION,
    ProjectError,
    read_document,
    relative_to,
    write_document,
)
from engine.project.identity import timeline_kind, timeline_media
from engine.project.media_refs import LinkReport, MediaRef, locate, ref_from_entry, retarget_timelines
from engine.settings import config_dir

AUTOSAVE_SUFFIX = ".autosave"


class ProjectEvents(SignalGroup):
    """Signals of a :class:`Project`."""

    media_added = Signal(object)  # MediaRef
    media_removed = Signal(object)  # MediaRef
    timelines_changed = Signal()
    labels_changed = Signal(str)  # the fingerprint whose labels changed
    settings_changed = Signal()
    dirty_changed = Signal(bool)
    path_changed = Signal(object)  # Path | None: the title bar shows it


def autosave_path_for(project_path: str | os.PathLike[str]) -> Path:
    """The autosave file beside a project: ``<name>.moviola.autosave``."""
    path = Path(project_path)
    return path.with_name(path.name + AUTOSAVE_SUFFIX)


def untitled_autosave_dir() -> Path:
    """Where autosaves of never-saved projects go."""
    return config_dir() / "autosave"


class Project:
    """A Moviola project.

    Args:
        path: The ``.moviola`` file, or None for an untitled project.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None):
        self.events = ProjectEvents()
        self._path = Path(os.path.abspath(path)) if path is not None else None
        self._media: list[MediaRef] = []
        self._timelines: EventedList = EventedList()
        self._settings: EventedDict = EventedDict()
        # fingerprint -> {shot's first source frame -> the editor's label}: keyed by content
        # and source time, so labels survive renames, moves and re-analysis.
        self._labels: dict[str, dict[int, str]] = {}
        self._dirty = False
        self._revision = 0
        self._autosaved_revision = 0
        self._untitled_autosave: Path | None = None
        self.link_report = LinkReport()
        for signal in ("inserted", "removed", "changed", "moved", "reordered"):
            getattr(self._timelines.events, signal).connect(self._on_timelines_changed)
        for signal in ("added", "removed", "changed"):
            getattr(self._settings.events, signal).connect(self._on_settings_changed)

    # -- state -----------------------------------------------------------------------

    @property
    def path(self) -> Path | None:
        """The project file, or None while untitled."""
        return self._path

    @property
    def media(self) -> tuple[MediaRef, ...]:
        """The media files, in the order they were added."""
        return tuple(self._media)

    @property
    def timelines(self) -> EventedList:
        """The project's OpenTimelineIO timelines (an evented list)."""
        return self._timelines

    @timelines.setter
    def timelines(self, value: Iterable[otio.schema.Timeline]) -> None:
        # Replace the contents, not the list: views stay connected to its events.
        with self._timelines.events.blocked():
            self._timelines[:] = list(value)
        self._on_timelines_changed()

    @property
    def settings(self) -> EventedDict:
        """Analysis settings, plain JSON data (an evented dict; nested edits are not seen)."""
        return self._settings

    @settings.setter
    def settings(self, value: Mapping[str, Any]) -> None:
        with self._settings.events.blocked():
            self._settings.clear()
            self._settings.update(value)
        self._on_settings_changed()

    def labels(self, fingerprint: str) -> dict[int, str]:
        """The editor's labels of one media item: shot start frame -> label (a copy)."""
        return dict(self._labels.get(fingerprint, {}))

    def set_label(self, fingerprint: str, start_frame: int, label: str | None) -> None:
        """Set (or, with None, clear) the editor's label of the shot starting at ``start_frame``."""
        labels = self._labels.setdefault(fingerprint, {})
        if label is None:
            labels.pop(int(start_frame), None)
        else:
            labels[int(start_frame)] = str(label)
        if not labels:
            del self._labels[fingerprint]
        self.events.labels_changed.emit(fingerprint)
        self._touch()

    def media_item(self, fingerprint: str) -> MediaRef | None:
        """The media item with this content fingerprint, or None."""
        return next((ref for ref in self._media if ref.fingerprint == fingerprint), None)

    def breakdown(self, fingerprint: str) -> otio.schema.Timeline | None:
        """The shot-breakdown timeline of one media item (found by identity, never by name)."""
        return next((t for t in self._timelines if timeline_kind(t) == "breakdown"
                     and timeline_media(t) == fingerprint), None)

    def proposals(self) -> list[otio.schema.Timeline]:
        """The proposal timelines, in the order they were added."""
        return [t for t in self._timelines if timeline_kind(t) == "proposal"]

    def unique_name(self, name: str) -> str:
        """``name``, or ``name (2)``, ``name (3)``… when a timeline already has it."""
        taken = {t.name for t in self._timelines}
        candidate, n = name, 1
        while candidate in taken:
            n += 1
            candidate = f"{name} ({n})"
        return candidate

    @property
    def dirty(self) -> bool:
        """Whether there are changes not saved to the project file."""
        return self._dirty

    @property
    def revision(self) -> int:
        """A counter that grows with every change (autosave uses it)."""
        return self._revision

    @property
    def needs_autosave(self) -> bool:
        """Dirty, and changed since the last autosave."""
        return self._dirty and self._revision != self._autosaved_revision

    # -- edits -----------------------------------------------------------------------

    def add_media(self, path: str | os.PathLike[str]) -> MediaRef:
        """Add a media file (fingerprinted now); adding the same path again returns it.

        Raises:
            OSError: If the file does not exist or cannot be read.
        """
        absolute = Path(os.path.abspath(path))
        for ref in self._media:
            if ref.path == absolute:
                return ref
        ref = MediaRef.from_file(absolute)
        same = self.media_item(ref.fingerprint)
        if same is not None:
            return same  # a media item is its content: a copy elsewhere is the same item
        self._media.append(ref)
        self.events.media_added.emit(ref)
        self._touch()
        return ref

    def remove_media(self, media: MediaRef | str | os.PathLike[str]) -> None:
        """Remove a media file (by reference or path); timelines are left alone.

        Raises:
            KeyError: If the project has no such media.
        """
        ref = self._find_media(media)
        self._media.remove(ref)
        self.events.media_removed.emit(ref)
        self._touch()

    def timeline_edited(self) -> None:
        """Tell the project that a timeline's content changed in place."""
        self._on_timelines_changed()

    def mark_dirty(self) -> None:
        """Flag an unsaved change that the model could not observe."""
        self._touch()

    def relink(self, search_paths: Sequence[str | os.PathLike[str]] = ()) -> LinkReport:
        """Look again for missing media (e.g. after the editor mounted a drive).

        Returns:
            What was found; ``self.link_report.missing`` is updated.
        """
        report = LinkReport()
        missing = self.link_report.missing
        still_missing = []
        folders = [Path(p) for p in search_paths]
        for ref in self._media:
            if ref not in missing:
                continue
            found, status = locate(ref, None, None, folders)
            if found is None:
                still_missing.append(ref)
            else:
                self._apply_relink(ref, found, status, report)
        report.missing = still_missing
        self.link_report.relinked += report.relinked
        self.link_report.modified += report.modified
        self.link_report.missing = still_missing
        if report.changed:
            self._touch()
        return report

    # -- files -----------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Save atomically to ``path`` (save as) or to the current path; removes the autosave.

        Raises:
            ProjectError: If the project is untitled and no path is given, or on any
                write failure (the previous file is then intact).
        """
        target = Path(os.path.abspath(path)) if path is not None else self._path
        if target is None:
            raise ProjectError("untitled project: choose a file name to save it")
        try:
            text = write_document(self._document(target.parent))
            atomic_write_text(target, text)
        except (OSError, TypeError, ValueError) as exc:
            raise ProjectError(f"{target}: cannot save project ({exc})") from exc
        stale_autosaves = {self._autosave_target(), autosave_path_for(target)}
        if target != self._path:
            self._path = target
            self.events.path_changed.emit(target)
        for stale in stale_autosaves:
            with contextlib.suppress(OSError):
                stale.unlink()
        self._untitled_autosave = None
        self._autosaved_revision = self._revision
        self._set_dirty(False)
        return target

    def autosave(self) -> Path:
        """Write the current state to the autosave file; the project stays dirty.

        Returns:
            The autosave file: beside the project, or in ``config_dir()/autosave``
            while untitled.

        Raises:
            ProjectError: If it cannot be written.
        """
        target = self._autosave_target()
        try:
            doc = self._document(self._path.parent if self._path else None)
            doc["autosave_of"] = str(self._path) if self._path else None
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(target, write_document(doc))
        except (OSError, TypeError, ValueError) as exc:
            raise ProjectError(f"{target}: cannot autosave project ({exc})") from exc
        self._autosaved_revision = self._revision
        return target

    @staticmethod
    def recoverable(path: str | os.PathLike[str]) -> bool:
        """Whether an autosave newer than the project file at ``path`` exists."""
        project = Path(os.path.abspath(path))
        autosave = autosave_path_for(project)
        try:
            saved = autosave.stat().st_mtime_ns
        except OSError:
            return False
        try:
            return saved > project.stat().st_mtime_ns
        except OSError:
            return True  # the project file is gone: the autosave is all there is

    @staticmethod
    def untitled_autosaves() -> list[Path]:
        """Autosaves of projects that were never saved, newest first (offer them at start)."""
        folder = untitled_autosave_dir()
        found = [p for p in folder.glob("*" + AUTOSAVE_SUFFIX) if p.is_file()] if folder.is_dir() else []
        return sorted(found, key=lambda p: p.stat().st_mtime_ns, reverse=True)

    @staticmethod
    def discard_autosave(path: str | os.PathLike[str]) -> None:
        """Delete the autosave of a project (the editor chose not to recover it)."""
        with contextlib.suppress(OSError):
            autosave_path_for(os.path.abspath(path)).unlink()

    def discard_autosave_file(self) -> None:
        """Delete this project's autosave, untitled or not (the editor discarded the work)."""
        target = self._path and autosave_path_for(self._path) or self._untitled_autosave
        if target is not None:
            with contextlib.suppress(OSError):
                target.unlink()
        self._untitled_autosave = None
        self._autosaved_revision = self._revision

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str],
        *,
        search_paths: Sequence[str | os.PathLike[str]] = (),
        prefer_autosave: bool = False,
    ) -> Project:
        """Open a project file (or an autosave file), relinking media that moved.

        Missing media do not fail the load: see ``project.link_report``.

        Args:
            path: A ``.moviola`` file, or a ``.moviola.autosave`` file to recover.
            search_paths: Folders to search by file name for media not found via the
                relative or absolute path.
            prefer_autosave: Open the autosave instead when it is newer
                (see :meth:`recoverable`); the project is then dirty.

        Raises:
            ProjectError: If the file cannot be used (the message says why).
        """
        path = Path(os.path.abspath(path))
        # temporaries a killed save left beside the project (ours only, and only stale ones)
        sweep_stale_temporaries(path.parent)
        source = path
        if prefer_autosave and cls.recoverable(path):
            source = autosave_path_for(path)
        doc = read_document(source)
        recovered = source.name.endswith(AUTOSAVE_SUFFIX)
        if recovered:
            # The stored "autosave_of" may predate a move of the folder; only its
            # null-ness is trusted. A titled project's autosave lives beside it.
            if source != path:
                origin: Path | None = path
            elif doc.get("autosave_of") is None:
                origin = None
            else:
                origin = source.with_name(source.name[: -len(AUTOSAVE_SUFFIX)])
            project = cls(origin)
            if origin is None:
                project._untitled_autosave = source  # keep autosaving over the same file
        else:
            project = cls(path)
        project._fill(doc, source, [Path(p) for p in search_paths])
        project._revision = project._autosaved_revision = 0
        project._set_dirty(recovered or project.link_report.changed)
        return project

    # -- internals -------------------------------------------------------------------

    def _fill(self, doc: dict[str, Any], source: Path, search_paths: list[Path]) -> None:
        timelines = []
        for i, data in enumerate(doc.get("timelines", [])):
            try:
                timeline = otio.adapters.read_from_string(json.dumps(data), "otio_json")
            except Exception as exc:  # OTIO raises several types for bad input
                raise ProjectError(f"{source}: timeline {i} is not valid OpenTimelineIO ({exc})") from exc
            if not isinstance(timeline, otio.schema.Timeline):
                raise ProjectError(f"{source}: timeline {i} is not a Timeline (found {type(timeline).__name__})")
            timelines.append(timeline)
        with self._timelines.events.blocked(), self._settings.events.blocked():
            self._timelines.extend(timelines)
            self._settings.update(doc.get("settings", {}))
        self._labels = _read_labels(doc.get("labels", {}), source)
        report = LinkReport()
        for entry in doc.get("media", []):
            ref = ref_from_entry(entry)
            found, status = locate(ref, entry.get("relative_path"), source.parent, search_paths)
            if found is None:
                report.missing.append(ref)
                self._media.append(ref)
            else:
                self._media.append(ref)
                self._apply_relink(ref, found, status, report)
        self.link_report = report

    def _apply_relink(self, old: MediaRef, new: MediaRef, status: str, report: LinkReport) -> None:
        self._media[self._media.index(old)] = new
        if status == "relinked":
            report.relinked.append((old.path, new))
        elif status == "modified":
            report.modified.append(new)
        if new.path != old.path:
            retarget_timelines(self._timelines, old.path, new.path)

    def _document(self, base: Path | None) -> dict[str, Any]:
        timelines = []
        for timeline in self._timelines:
            if not isinstance(timeline, otio.schema.Timeline):
                raise TypeError(f"project timelines must be OTIO Timelines, not {type(timeline).__name__}")
            timelines.append(json.loads(otio.adapters.write_to_string(timeline, "otio_json")))
        media = [
            {
                "path": str(ref.path),
                "relative_path": relative_to(ref.path, base),
                "fingerprint": ref.fingerprint,
                "size": ref.size,
            }
            for ref in self._media
        ]
        return {
            "schema": SCHEMA,
            "version": VERSION,
            "media": media,
            "settings": dict(self._settings),
            "labels": {fp: {str(frame): label for frame, label in sorted(labels.items())}
                       for fp, labels in self._labels.items()},
            "timelines": timelines,
        }

    def _autosave_target(self) -> Path:
        if self._path is not None:
            return autosave_path_for(self._path)
        if self._untitled_autosave is None:
            name = f"untitled-{uuid.uuid4().hex[:12]}.moviola{AUTOSAVE_SUFFIX}"
            self._untitled_autosave = untitled_autosave_dir() / name
        return self._untitled_autosave

    def _find_media(self, media: MediaRef | str | os.PathLike[str]) -> MediaRef:
        if isinstance(media, MediaRef):
            if media in self._media:
                return media
        else:
            absolute = Path(os.path.abspath(media))
            for ref in self._media:
                if ref.path == absolute:
                    return ref
        raise KeyError(f"not in the project: {media}")

    def _on_timelines_changed(self, *_args: Any) -> None:
        self.events.timelines_changed.emit()
        self._touch()

    def _on_settings_changed(self, *_args: Any) -> None:
        self.events.settings_changed.emit()
        self._touch()

    def _touch(self) -> None:
        self._revision += 1
        self._set_dirty(True)

    def _set_dirty(self, dirty: bool) -> None:
        if dirty != self._dirty:
            self._dirty = dirty
            self.events.dirty_changed.emit(dirty)


def _read_labels(data: Any, source: Path) -> dict[str, dict[int, str]]:
    """The ``labels`` section, checked: ``{fingerprint: {"start frame": label}}``."""
    if not isinstance(data, dict):
        raise ProjectError(f"{source}: 'labels' must be an object")
    labels: dict[str, dict[int, str]] = {}
    for fingerprint, entries in data.items():
        if not isinstance(entries, dict):
            raise ProjectError(f"{source}: labels of {fingerprint!r} must be an object")
        try:
            labels[fingerprint] = {int(frame): label for frame, label in entries.items()
                                   if isinstance(label, str)}
        except ValueError:
            raise ProjectError(f"{source}: labels of {fingerprint!r} are not keyed by frame") from None
    return labels
