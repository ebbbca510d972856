"""Importing Premiere/FCP7 XML, FCPXML, EDL and .otio files into OTIO timelines."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import opentimelineio as otio

from engine.timeline import report, safe_xml
from engine.timeline.errors import InterchangeError
from engine.timeline.urls import file_name, path_to_url, url_to_path


@dataclass
class ImportResult:
    """The timelines read from one file and what could not be read.

    Attributes:
        format: ``"xmeml"``, ``"fcpxml"``, ``"edl"`` or ``"otio"``.
        unsupported: One line per feature not imported (with a count when repeated).
        relinked: ``(old path, new path)`` of media found by file name elsewhere.
        missing: Media paths found nowhere (clips stay, offline).
    """

    path: Path
    format: str
    timelines: list[otio.schema.Timeline] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    relinked: list[tuple[str, str]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        """JSON-ready: ``{"timelines": [{name, rate, video_tracks, ...}], ...}``."""
        return {
            "file": str(self.path),
            "format": self.format,
            "timelines": [report.summary(t, self.unsupported) for t in self.timelines],
            "relinked": [list(pair) for pair in self.relinked],
            "missing_media": list(self.missing),
        }


def sniff(path: Path, data: bytes | None) -> str:
    """The format of a file, from its content first and its extension second."""
    if data is not None:
        head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
        if head.startswith(b"<"):
            if b"<xmeml" in data[:65536]:
                return "xmeml"
            if b"<fcpxml" in data[:65536]:
                return "fcpxml"
            return "xml"
        if head.startswith(b"{"):
            return "otio"
        if head:
            return "edl"  # plain text: EDLs have no signature, and no fixed extension either
    return {".xml": "xmeml", ".fcpxml": "fcpxml", ".edl": "edl", ".otio": "otio"}.get(path.suffix.lower(), "edl")


def import_timeline(path: str | os.PathLike[str], rate=None,
                    search_paths=(), limit: int = safe_xml.MAX_BYTES) -> ImportResult:
    """Read every timeline in a file, relinking media by file name when paths differ.

    Args:
        rate: Frame rate for EDLs (which do not state one); ignored for other formats.
        search_paths: Folders searched (recursively) for media not at their stated path;
            the imported file's own folder is always searched.

    Raises:
        InterchangeError: If the file cannot be read at all (message names file and problem).
    """
    path = Path(path)
    if path.is_dir() and (path / "Info.fcpxml").is_file():  # an .fcpxmld bundle
        path = path / "Info.fcpxml"
    data = safe_xml.read_bytes(path, limit)
    kind = sniff(path, data)
    result = ImportResult(path, kind)
    if kind == "xmeml":
        from engine.timeline.xmeml_reader import read_xmeml
        result.timelines, result.unsupported = read_xmeml(safe_xml.parse(data, path), path)
    elif kind == "fcpxml":
        from engine.timeline.fcpxml_reader import read_fcpxml
        result.timelines, result.unsupported = read_fcpxml(safe_xml.parse(data, path), path)
    elif kind == "xml":
        root = safe_xml.parse(data, path)
        raise InterchangeError(path, f"XML with root <{root.tag}> is neither FCP7 XML nor FCPXML")
    elif kind == "edl":
        from engine.timeline.edl import read_edl
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("latin-1")  # old EDLs are 8-bit; latin-1 never fails
        result.timelines, result.unsupported = read_edl(text, rate, path, name=path.stem)
    else:
        result.timelines = [_read_otio(data, path)]
    # The file's own folder is searched flat (it may be a big home folder), the others deep.
    _relink(result, [(path.parent, False), *((Path(p), True) for p in search_paths)])
    return result


def _read_otio(data: bytes, path: Path) -> otio.schema.Timeline:
    try:
        obj = otio.adapters.read_from_string(data.decode("utf-8"), "otio_json")
    except Exception as exc:  # OTIO raises several unrelated types for bad JSON
        raise InterchangeError(path, f"not a valid .otio file ({str(exc).splitlines()[0][:200]})") from None
    if not isinstance(obj, otio.schema.Timeline):
        raise InterchangeError(path, f".otio file holds a {type(obj).__name__}, not a Timeline")
    return obj


def _relink(result: ImportResult, folders: list[tuple[Path, bool]]) -> None:
    found: dict[str, str | None] = {}
    for timeline in result.timelines:
        for clip in timeline.find_clips():
            ref = clip.media_reference
            if not isinstance(ref, otio.schema.ExternalReference) or not ref.target_url:
                continue
            original = url_to_path(ref.target_url)
            if original not in found:
                found[original] = _locate(original, folders)
                if found[original] is None:
                    result.missing.append(original)
                elif found[original] != original:
                    result.relinked.append((original, found[original]))
            new = found[original]
            if new is not None and new != original:
                ref.target_url = path_to_url(new, host="")


def _locate(original: str, folders: list[tuple[Path, bool]]) -> str | None:
    if original and os.path.isfile(original):
        return original
    name = file_name(original)
    if not name:
        return None
    for folder, deep in folders:
        candidate = folder / name
        if candidate.is_file():
            return str(candidate.resolve())
        if not deep:
            continue
        try:
            for root, _dirs, files in os.walk(folder):
                if name in files:
                    return str((Path(root) / name).resolve())
        except OSError:
            continue
    return None
