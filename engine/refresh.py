"""Re-analyse a project's media and merge the results in: the app on open, and
``moviola-cli refresh PROJECT``, both through :func:`merge_analysis`."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.analysis import Analysis, analysis_job
from engine.jobs import Job, scaled
from engine.media import MediaError
from engine.project import Project, ProjectError
from engine.project.merge import MergeReport, merge_into_project
from engine.project.naming import breakdown_names, display_names


def breakdown_name(project: Project, fingerprint: str) -> str:
    """``"<display name without extension> — shots"``: unique even for same-named files."""
    ref = project.media_item(fingerprint)
    if ref is None:
        return f"{fingerprint} — shots"
    return breakdown_names(r.path for r in project.media)[ref.path]


def emotion_dicts(analysis: Analysis) -> list[dict] | None:
    """Per-shot emotion as the timeline metadata convention wants it."""
    if analysis.emotion is None:
        return None
    return [{"label": s.label, "valence": round(s.valence, 3), "arousal": round(s.arousal, 3),
             "confidence": round(s.confidence, 3)} for s in analysis.emotion.shots]


def merge_analysis(project: Project, fingerprint: str, analysis: Analysis) -> MergeReport:
    """Merge a fresh analysis of one media item into the project's breakdown of it."""
    from engine.timeline.breakdown import breakdown

    fresh = breakdown(analysis.info, analysis.shots, emotion_dicts(analysis),
                      name=breakdown_name(project, fingerprint))
    return merge_into_project(project, fingerprint, fresh,
                              legacy_name=f"{analysis.path.stem} — shots")


def refresh_job(project: Project) -> Job[tuple[list[MergeReport], dict[str, str]]]:
    """Re-analyse every present media item (the cache makes unchanged files instant) and merge.

    Returns:
        The merge reports, and display name (``naming.display_names``) → problem for items
        that could not be analysed.
    """
    present = [ref for ref in project.media
               if ref not in project.link_report.missing and ref.fingerprint]
    reports: list[MergeReport] = []
    problems: dict[str, str] = {}
    names = display_names(ref.path for ref in project.media)  # camera cards repeat file names
    share = 1.0 / max(len(present), 1)
    for i, ref in enumerate(present):
        try:
            analysis = yield from scaled(analysis_job(ref.path), i * share, (i + 1) * share)
        except MediaError as exc:
            problems[names[ref.path]] = exc.problem
            continue
        reports.append(merge_analysis(project, ref.fingerprint, analysis))
    return reports, problems


def register(sub) -> None:
    p = sub.add_parser("refresh", help="re-analyse a project's media and merge, keeping every edit")
    p.add_argument("project", metavar="PROJECT", help="a .moviola project file")
    p.set_defaults(func=_cmd_refresh)


def _cmd_refresh(args: argparse.Namespace) -> int:
    from engine.jobs import drive

    path = Path(args.project)
    try:
        project = Project.load(path, search_paths=[path.parent])
    except ProjectError as exc:
        print(exc, file=sys.stderr)
        return 1
    for ref in project.link_report.missing:
        print(f"{ref.path}: offline, not refreshed", file=sys.stderr)
    reports, problems = drive(refresh_job(project))
    for report in reports:
        print(report.summary())
    for name, problem in problems.items():
        print(f"{name}: {problem}", file=sys.stderr)
    if project.dirty:
        try:
            project.save()
        except ProjectError as exc:
            print(exc, file=sys.stderr)
            return 1
        print(f"Saved {project.path}")
    else:
        print(f"{project.path.name}: nothing changed")
    return 1 if problems else 0
