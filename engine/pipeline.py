"""The headless pipeline: what `make run` does where there is no display.

It grows with the engine: today probe, poster frames, a project with a stringout timeline.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import opentimelineio as otio

from engine.jobs import Job, drive
from engine.media import MediaError, MediaInfo
from engine.media.scan import load_bin_entry
from engine.project import Project
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
    report = PipelineReport(out_dir)
    for i, path in enumerate(files):
        yield i / max(len(files), 1), f"probing {path.name}"
        try:
            info, poster = load_bin_entry(Path(path), width=320)
        except MediaError as exc:
            report.errors[Path(path).name] = exc.problem
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
    project.timelines.append(timeline)
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
