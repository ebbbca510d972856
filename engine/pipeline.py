"""The headless pipeline: what `make run` does where there is no display.

It grows with the engine: probe, poster frames, shots, a project holding a stringout and each
clip's shot breakdown, and the breakdowns exported for Premiere (xmeml) and Resolve (FCPXML).
"""
from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import opentimelineio as otio

from engine.analysis import analysis_job
from engine.jobs import Job, drive, scaled
from engine.media import MediaError, MediaInfo
from engine.media.scan import load_bin_entry
from engine.project import Project
from engine.timeline.breakdown import breakdown
from engine.timeline.export import export_timeline
from engine.timeline.stringout import stringout


@dataclass
class PipelineReport:
    """What the pipeline wrote, and which inputs it could not read (file → problem)."""

    out_dir: Path
    written: list[Path] = field(default_factory=list)
    media: list[MediaInfo] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.media)

    def summary(self) -> str:
        lines = [f"Analysed {len(self.media)} file(s); results in {self.out_dir.resolve()}:"]
        lines += [f"  {p.relative_to(self.out_dir)}" for p in self.written]
        lines += [f"  could not read {name}: {problem}" for name, problem in self.errors.items()]
        return "\n".join(lines)


def pipeline(files: Sequence[Path], out_dir: Path) -> Job[PipelineReport]:
    """Probe every file, write posters, a project and a stringout; yields progress."""
    out_dir.mkdir(parents=True, exist_ok=True)
    posters = out_dir / "posters"
    posters.mkdir(exist_ok=True)
    exports = out_dir / "exports"
    exports.mkdir(exist_ok=True)
    report = PipelineReport(out_dir)
    breakdowns = []
    share = 0.9 / max(len(files), 1)
    for i, path in enumerate(files):
        path = Path(path)
        yield i * share, f"probing {path.name}"
        try:
            info, poster = load_bin_entry(path, width=320)
            if info.video is not None:
                analysis = yield from scaled(analysis_job(path), (i + 0.1) * share, (i + 1) * share)
                breakdowns.append(breakdown(info, analysis.shots))
                shots_json = exports / f"{path.stem}.shots.json"
                shots_json.write_text(json.dumps(analysis.shots.to_json(str(path)), indent=2,
                                                 ensure_ascii=False), encoding="utf-8")
                report.written.append(shots_json)
        except MediaError as exc:
            report.errors[path.name] = exc.problem
            continue
        report.media.append(info)
        if poster is not None:
            target = posters / f"{path.stem}.png"
            ok, png = cv2.imencode(".png", cv2.cvtColor(poster, cv2.COLOR_RGB2BGR))
            if ok:  # imencode + write_bytes: cv2.imwrite cannot take non-ASCII paths on Windows
                target.write_bytes(png.tobytes())
                report.written.append(target)

    yield 0.95, "writing project"
    timeline = stringout(report.media)
    project = Project()
    for info in report.media:
        project.add_media(info.path)
    project.timelines = [timeline, *breakdowns]
    for shots_timeline in breakdowns:
        stem = shots_timeline.name.rsplit(" — ", 1)[0]
        for fmt, suffix in (("premiere", ".premiere.xml"), ("resolve", ".fcpxml")):
            target = exports / f"{stem}{suffix}"
            export_timeline(shots_timeline, target, fmt)
            report.written.append(target)
    project_path = out_dir / "demo.moviola"
    project.save(project_path)
    otio_path = out_dir / "stringout.otio"
    otio.adapters.write_to_file(timeline, str(otio_path))
    probe_path = out_dir / "probe.json"
    probe_path.write_text(json.dumps({"media": [m.to_dict() for m in report.media],
                                      "errors": report.errors}, indent=2, ensure_ascii=False),
                          encoding="utf-8")
    report.written += [project_path, otio_path, probe_path]
    yield 1.0, "done"
    return report


def run_pipeline(files: Sequence[Path], out_dir: Path,
                 progress: Callable[[float, str], None] | None = None) -> PipelineReport:
    return drive(pipeline(files, out_dir), progress)
