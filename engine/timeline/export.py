"""Exporting a timeline to a file an NLE opens: the one entry point for GUI and CLI."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import opentimelineio as otio

from engine.atomic import atomic_write_bytes
from engine.timeline import model
from engine.timeline.errors import InterchangeError

FORMATS = {
    "premiere": (".xml", "Premiere Pro (Final Cut Pro 7 XML)"),
    "resolve": (".fcpxml", "DaVinci Resolve (FCPXML)"),
    "otio": (".otio", "OpenTimelineIO (Resolve 18.5+)"),
    "edl": (".edl", "CMX3600 EDL"),
    "markers": (".csv", "Marker list (CSV)"),
}


@dataclass
class ExportResult:
    """What was written, what was conformed (rates, drop-frame) and what the format could
    not carry, one line each."""

    path: Path
    format: str
    skipped: list[str] = field(default_factory=list)


def export_timeline(timeline: otio.schema.Timeline, path: str | os.PathLike[str], format: str,
                    **options) -> ExportResult:
    """Write ``timeline`` to ``path`` in ``format`` (a key of :data:`FORMATS`).

    Args:
        options: ``fcpxml_version`` ("1.9", "1.10" default, "1.11"); ``xmeml_version``
            (4 default, or 5); ``marker_style`` for EDL ("loc" default, or "resolve");
            ``probe_media`` (default True): fill in facts of local media files whose
            references carry none, with ``engine.media.probe``.

    Raises:
        InterchangeError: Unknown format or option, or the file cannot be written.
    """
    return export_timelines([timeline], path, format, **options)


MULTI_FORMATS = ("premiere", "resolve", "otio")


def export_timelines(timelines: list[otio.schema.Timeline], path: str | os.PathLike[str], format: str,
                     **options) -> ExportResult:
    """Write several timelines into one file: sequences of one xmeml document, projects
    of one FCPXML event (sharing their media), or a SerializableCollection of .otio
    timelines. EDL and marker lists hold one timeline each.

    Raises:
        InterchangeError: As :func:`export_timeline`; also more than one timeline for a
            format that holds one.
    """
    if format not in FORMATS:
        raise InterchangeError(path, f"unknown export format {format!r} (use {', '.join(FORMATS)})")
    if not timelines:
        raise InterchangeError(path, "no timeline to write")
    if len(timelines) > 1 and format not in MULTI_FORMATS:
        raise InterchangeError(path, f"{FORMATS[format][1]} holds one timeline, not {len(timelines)}")
    probe_media = options.pop("probe_media", True)
    from engine.timeline.conform import conform
    conformed, notes = [], []
    for n, timeline in enumerate(timelines):
        if probe_media:
            timeline = _with_probed_media(timeline)
        timeline, timeline_notes = conform(timeline)
        conformed.append(timeline)
        prefix = f"{timeline.name or f'timeline {n + 1}'}: " if len(timelines) > 1 else ""
        notes += [prefix + line for line in timeline_notes]
    skipped: list[str] = []
    try:
        if format == "premiere":
            from engine.timeline.xmeml_writer import write_xmeml_report
            data, skipped = write_xmeml_report(conformed, int(options.pop("xmeml_version", 4)))
        elif format == "resolve":
            from engine.timeline.fcpxml_writer import DEFAULT_VERSION, write_fcpxml
            data, skipped = write_fcpxml(conformed, str(options.pop("fcpxml_version", DEFAULT_VERSION)))
        elif format == "edl":
            from engine.timeline.edl import write_edl
            text, skipped = write_edl(conformed[0], options.pop("marker_style", "loc"))
            data = text.encode("ascii")
        elif format == "markers":
            from engine.timeline.markers_csv import write_markers_csv
            data = write_markers_csv(conformed[0]).encode("utf-8")
        elif len(conformed) == 1:
            data = otio.adapters.write_to_string(conformed[0], "otio_json").encode("utf-8")
        else:
            collection = otio.schema.SerializableCollection(name=conformed[0].name, children=conformed)
            data = otio.adapters.write_to_string(collection, "otio_json").encode("utf-8")
    except ValueError as exc:  # bad option values
        raise InterchangeError(path, str(exc)) from None
    if options:
        raise InterchangeError(path, f"unknown option(s) for {format}: {', '.join(sorted(options))}")
    target = Path(path)
    _atomic_write(target, data)
    return ExportResult(target, format, notes + list(skipped))


def _atomic_write(target: Path, data: bytes) -> None:
    """Write through the engine's one atomic writer: a failed export never leaves half a file."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(target, data)
    except OSError as exc:
        raise InterchangeError(target, f"cannot write ({exc.strerror or exc})") from None


def _with_probed_media(timeline: otio.schema.Timeline) -> otio.schema.Timeline:
    """A copy whose references to existing local files carry probe facts (rate, size, sound)."""
    pending = [clip for clip in timeline.find_clips()
               if isinstance(clip.media_reference, otio.schema.ExternalReference)
               and not model.lookup(clip.media_reference, "probe") and not model.lookup(clip.media_reference, "media")]
    if not pending:
        return timeline
    from engine.timeline.urls import url_to_path
    copy = timeline.clone()
    cache: dict[str, dict | None] = {}
    for clip in copy.find_clips():
        ref = clip.media_reference
        if not isinstance(ref, otio.schema.ExternalReference) or model.lookup(ref, "probe") or model.lookup(ref, "media"):
            continue
        local = url_to_path(ref.target_url or "")
        if local not in cache:
            cache[local] = _probe(local)
        if cache[local] is not None:
            model.meta(ref)["probe"] = cache[local]
    return copy


def _probe(path: str) -> dict | None:
    if not path or not os.path.isfile(path):
        return None
    try:
        from engine.media import MediaError, probe
    except ImportError:  # media stack not installed: export from the timeline alone
        return None
    try:
        return probe(path).to_dict()
    except (MediaError, OSError):
        return None
