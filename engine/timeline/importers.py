"""Importing Premiere/FCP7 XML, FCPXML, EDL and .otio files into OTIO timelines."""
from __future__ import annotations

import codecs
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import opentimelineio as otio

from engine import xmlsafe
from engine.timeline import model, report
from engine.timeline.errors import InterchangeError
from engine.timeline.otio_guard import check_schemas
from engine.timeline.relink import find_media
from engine.timeline.urls import path_to_url, url_to_path
from engine.untrusted import UntrustedFileError, load_json


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
        start = data[:65536]
        for bom in (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            if start.startswith(bom):  # UTF-16/32 text: look at it as UTF-8
                encoding = "utf-32" if len(bom) == 4 else "utf-16"
                start = start[: len(start) // 4 * 4].decode(encoding, "replace").encode("utf-8")
                break
        head = start[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
        if head.startswith(b"<"):
            if b"<xmeml" in start:
                return "xmeml"
            if b"<fcpxml" in start:
                return "fcpxml"
            return "xml"
        if head.startswith(b"{"):
            return "otio"
        if head:
            return "edl"  # plain text: EDLs have no signature, and no fixed extension either
    return {".xml": "xmeml", ".fcpxml": "fcpxml", ".edl": "edl", ".otio": "otio"}.get(path.suffix.lower(), "edl")


def import_timeline(path: str | os.PathLike[str], rate=None,
                    search_paths=(), limit: int = xmlsafe.MAX_BYTES) -> ImportResult:
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
    data = xmlsafe.read_bytes(path, limit)
    kind = sniff(path, data)
    root = None
    if kind in ("xmeml", "fcpxml", "xml"):
        root = xmlsafe.parse(data, path)
        kind = root.tag if root.tag in ("xmeml", "fcpxml") else "xml"  # the parsed root decides
    result = ImportResult(path, kind)
    if kind == "xml":
        raise InterchangeError(path, f"XML with root <{root.tag}> is neither FCP7 XML nor FCPXML")
    try:
        result.timelines, result.unsupported = _read(kind, root, data, path, rate)
    except InterchangeError:
        raise
    except (ValueError, ArithmeticError) as exc:
        # A value no timeline can have (a negative rate, a zero length, a year-long
        # timecode): the readers' checks say what, and the file is refused as a whole.
        what = {"xmeml": "FCP7 XML", "fcpxml": "FCPXML", "edl": "EDL"}.get(kind, kind)
        raise InterchangeError(path, f"invalid {what} ({_one_line(exc)})") from None
    # The file's own folder is searched flat (it may be a big home folder), the others deep.
    _relink(result, [(path.parent, False), *((Path(p), True) for p in search_paths)])
    return result


def _read(kind: str, root, data: bytes, path: Path, rate) -> tuple[list[otio.schema.Timeline], list[str]]:
    """The timelines and the unsupported-feature notes of a file of ``kind``."""
    if kind == "xmeml":
        from engine.timeline.xmeml_reader import read_xmeml
        return read_xmeml(root, path)
    if kind == "fcpxml":
        from engine.timeline.fcpxml_reader import read_fcpxml
        return read_fcpxml(root, path)
    if kind == "edl":
        from engine.timeline.edl import read_edl
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("latin-1")  # old EDLs are 8-bit; latin-1 never fails
        return read_edl(text, rate, path, name=path.stem)
    return _read_otio(data, path), []


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def _read_otio(data: bytes, path: Path) -> list[otio.schema.Timeline]:
    try:
        # OTIO's reader overflows the C stack on deep nesting and crashes on some
        # malformed JSON, repeated keys and odd schema tags: it only ever reads what
        # strict, bounded JSON and the schema check accepted, written out by Python.
        document = load_json(path, data.decode("utf-8"))
        check_schemas(path, document)
        text = json.dumps(document)
    except UnicodeDecodeError:
        raise InterchangeError(path, "not a valid .otio file (not UTF-8 text)") from None
    except UntrustedFileError as exc:
        raise InterchangeError(path, f"not a valid .otio file ({exc.problem})") from None
    try:
        obj = otio.adapters.read_from_string(text, "otio_json")
    except Exception as exc:  # OTIO raises several unrelated types for bad JSON
        first = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
        raise InterchangeError(path, f"not a valid .otio file ({first})") from None
    if isinstance(obj, otio.schema.Timeline):
        return [obj]
    # Several timelines in one file (an annotated cut with its proposals) are a collection.
    if isinstance(obj, otio.schema.SerializableCollection) and len(obj) \
            and all(isinstance(child, otio.schema.Timeline) for child in obj):
        return [child.clone() for child in obj]
    raise InterchangeError(path, f".otio file holds a {type(obj).__name__}, not a Timeline")


def _relink(result: ImportResult, folders: list[tuple[Path, bool]]) -> None:
    found: dict[str, str | None] = {}
    for timeline in result.timelines:
        for clip in timeline.find_clips():
            ref = clip.media_reference
            if not isinstance(ref, otio.schema.ExternalReference) or not ref.target_url:
                continue
            original = url_to_path(ref.target_url)
            if original not in found:
                # A timeline we wrote may know the content's fingerprint; NLE timelines do not.
                key = model.lookup(ref, "fingerprint")
                near = [Path(original)] if os.path.isabs(original) else []
                hit = find_media(original, key if isinstance(key, str) else None, near=near, folders=folders)
                found[original] = None if hit is None else (original if hit == Path(original)
                                                           else str(hit.resolve()))
                if found[original] is None:
                    result.missing.append(original)
                elif found[original] != original:
                    result.relinked.append((original, found[original]))
            new = found[original]
            if new is not None and new != original:
                ref.target_url = path_to_url(new, host="")
