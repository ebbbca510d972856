"""The headless pipeline: what `make run` does where there is no display.

It grows with the engine: probe, poster frames, shots, a transcript of each clip with sound,
a project holding a stringout and each clip's shot breakdown, and the breakdowns exported for
Premiere (xmeml) and Resolve (FCPXML) with the transcript's lines as clip markers and an .srt
caption file beside them.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import opentimelineio as otio

from engine.analysis import analysis_job
from engine.atomic import atomic_write_bytes
from engine.jobs import Job, drive, scaled
from engine.media import MediaError, MediaInfo
from engine.media.scan import load_bin_entry
from engine.project import Project, ProjectError
from engine.project.naming import breakdown_names, clean_file_name, display_names, display_stem
from engine.timeline.breakdown import breakdown
from engine.timeline.errors import InterchangeError
from engine.timeline.export import export_timeline
from engine.timeline.stringout import stringout
from engine.transcript.exports import add_transcript_markers, write_captions
from engine.transcript.transcribe import transcribe_job


class OutputError(Exception):
    """A result could not be written (disk full, read-only folder); ``str()`` is one line
    naming the file and the problem. Every file already written is whole (atomic writes)."""


@dataclass
class PipelineReport:
    """What the pipeline wrote, and which inputs it skipped (display name → problem: camera
    cards repeat file names, so same-named files carry their folders, ``naming.display_names``)."""

    out_dir: Path
    written: list[Path] = field(default_factory=list)
    media: list[MediaInfo] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.media)

    def summary(self) -> str:
        if not self.media:
            lines = [f"Analysed no file: nothing written to {self.out_dir.resolve()}"]
        else:
            lines = [f"Analysed {len(self.media)} file(s); results in {self.out_dir.resolve()}:"]
            lines += [f"  {p.relative_to(self.out_dir)}" for p in self.written]
        lines += [f"  skipped {name}: {problem}" for name, problem in self.errors.items()]
        return "\n".join(lines)


@dataclass
class _Analysed:
    info: MediaInfo
    poster: bytes | None  # PNG
    shots: dict
    breakdown: otio.schema.Timeline
    transcripts: dict = field(default_factory=dict)  # file path -> Transcript (with words)


def pipeline(files: Sequence[Path], out_dir: Path) -> Job[PipelineReport]:
    """Probe every file, write posters, a project and a stringout; yields progress.

    Inputs that cannot be used (unreadable, no video stream) are listed in the report's
    ``errors`` and the others still processed. Nothing is written until every input
    has been read, and nothing at all when no input could be used; the project file is
    written last, so its presence means the run finished.

    Raises:
        OutputError: If a result cannot be written.
    """
    report = PipelineReport(out_dir)
    analysed: list[_Analysed] = []
    files = [Path(f) for f in files]
    shown = display_names(files)
    share = 0.9 / max(len(files), 1)
    for i, path in enumerate(files):
        yield i * share, f"probing {shown[path]}"
        try:
            info, poster = load_bin_entry(path, width=320)
            if info.video is None:
                report.errors[shown[path]] = "no video stream, skipped"
                continue
            analysis = yield from scaled(analysis_job(path), (i + 0.1) * share, (i + 0.8) * share)
        except MediaError as exc:
            report.errors[shown[path]] = exc.problem
            continue
        report.media.append(info)
        transcripts = {}
        if info.audio:
            try:
                said = yield from scaled(transcribe_job(path), (i + 0.8) * share, (i + 1) * share)
            except MediaError as exc:  # the picture's results still stand; the sound is noted
                report.errors[f"{shown[path]} (transcript)"] = exc.problem
            else:
                if said.words:
                    transcripts[str(said.file)] = said
        analysed.append(_Analysed(info, _png(poster), analysis.shots.to_json(str(path)),
                                  breakdown(info, analysis.shots), transcripts))
    if not analysed:
        yield 1.0, "nothing to write"
        return report

    yield 0.9, "writing results"
    # Named as the app names them (refresh.breakdown_name), so that two cards' C0001.MP4 do
    # not write over each other's results: "C0001 — A001" and "C0001 — A002".
    paths = [item.info.path for item in analysed]
    names = breakdown_names(paths)
    stems = {p: clean_file_name(display_stem(n)) for p, n in display_names(paths).items()}
    exports = out_dir / "exports"
    for item in analysed:
        item.breakdown.name = names[item.info.path]
        stem = stems[item.info.path]
        if item.poster is not None:
            _write(report, out_dir / "posters" / f"{stem}.png", item.poster)
        _write(report, exports / f"{stem}.shots.json", _json(item.shots))
    breakdowns = [item.breakdown for item in analysed]
    for item in analysed:
        shots_timeline = item.breakdown
        transcripts = {str(item.info.path.resolve()): t for t in item.transcripts.values()}
        add_transcript_markers(shots_timeline, transcripts)
        stem = stems[item.info.path]
        for fmt, suffix in (("premiere", ".premiere.xml"), ("resolve", ".fcpxml")):
            target = exports / f"{stem}{suffix}"
            try:
                export_timeline(shots_timeline, target, fmt)
            except InterchangeError as exc:
                raise OutputError(str(exc)) from None
            report.written.append(target)
        try:  # the captions, beside both exports
            captions = write_captions(shots_timeline, exports / f"{stem}.srt", transcripts)
        except OSError as exc:
            raise OutputError(f"{exports / stem}.srt: cannot write ({exc.strerror or exc})") from None
        if captions is not None:
            report.written.append(captions)
    timeline = stringout(report.media)
    _write(report, out_dir / "stringout.otio",
           otio.adapters.write_to_string(timeline, "otio_json").encode("utf-8"))
    _write(report, out_dir / "probe.json", _json({"media": [m.to_dict() for m in report.media],
                                                  "errors": report.errors}))

    yield 0.95, "writing project"
    project = Project()
    for info in report.media:
        project.add_media(info.path)
    project.timelines = [timeline, *breakdowns]
    project_path = out_dir / "demo.moviola"
    try:
        project.save(project_path)
    except ProjectError as exc:
        raise OutputError(str(exc)) from None
    report.written.append(project_path)
    yield 1.0, "done"
    return report


def _png(picture) -> bytes | None:
    if picture is None:
        return None
    ok, png = cv2.imencode(".png", cv2.cvtColor(picture, cv2.COLOR_RGB2BGR))
    # imencode, not imwrite: cv2.imwrite cannot take non-ASCII paths on Windows.
    return png.tobytes() if ok else None


def _json(document) -> bytes:
    return json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8")


def _write(report: PipelineReport, target: Path, data: bytes) -> None:
    """Write one result whole (the engine's atomic writer) and list it in the report."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(target, data)
    except OSError as exc:
        raise OutputError(f"{target}: cannot write ({exc.strerror or exc})") from None
    report.written.append(target)


def run_pipeline(files: Sequence[Path], out_dir: Path,
                 progress: Callable[[float, str], None] | None = None) -> PipelineReport:
    """Run :func:`pipeline` to the end (see there; raises OutputError)."""
    return drive(pipeline(files, out_dir), progress)
