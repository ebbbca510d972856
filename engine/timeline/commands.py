"""``moviola-cli export`` and ``moviola-cli import``: timelines to and from NLEs."""
from __future__ import annotations

import argparse
import json
import sys

FORMAT_NAMES = ("premiere", "resolve", "otio", "edl", "markers")


def register(subparsers) -> None:
    """Add the ``export`` and ``import`` subcommands (heavy imports wait for the handlers)."""
    p = subparsers.add_parser("export", help="write a project timeline for Premiere, Resolve or as EDL/CSV")
    p.add_argument("project", metavar="PROJECT", help="a .moviola project file")
    p.add_argument("--timeline", required=True, metavar="NAME", help="name of the timeline to export")
    p.add_argument("--format", required=True, choices=FORMAT_NAMES)
    p.add_argument("-o", "--output", required=True, metavar="FILE")
    p.add_argument("--fcpxml-version", default=None, choices=("1.9", "1.10", "1.11"),
                   help="FCPXML version for --format resolve (default 1.10)")
    p.add_argument("--edl-markers", default=None, choices=("loc", "resolve"),
                   help="EDL markers as * LOC: lines (default) or as Resolve's marker list")
    p.set_defaults(func=_cmd_export)

    p = subparsers.add_parser("import", help="read a Premiere/FCP XML, FCPXML, EDL or .otio timeline")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--project", metavar="PROJECT",
                   help="add the timelines to this .moviola project (created if missing)")
    p.add_argument("--rate", default=None, help="frame rate of an EDL, e.g. 25 or 23.976 (EDLs do not say)")
    p.add_argument("--search", action="append", default=[], metavar="FOLDER",
                   help="folder to look in for media that moved (repeatable)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_cmd_import)


def _fail(message: str) -> int:
    print(f"moviola-cli: {message}", file=sys.stderr)
    return 1


def _cmd_export(args: argparse.Namespace) -> int:
    from engine.project import Project, ProjectError
    from engine.timeline.errors import InterchangeError
    from engine.timeline.export import export_timeline

    try:
        project = Project.load(args.project)
    except ProjectError as exc:
        return _fail(str(exc))
    matches = [t for t in project.timelines if t.name == args.timeline]
    if not matches:
        names = ", ".join(repr(t.name) for t in project.timelines) or "none"
        return _fail(f"{args.project}: no timeline named {args.timeline!r} (timelines: {names})")
    options = {}
    if args.fcpxml_version:
        options["fcpxml_version"] = args.fcpxml_version
    if args.edl_markers:
        options["marker_style"] = args.edl_markers
    try:
        result = export_timeline(matches[0], args.output, args.format, **options)
    except InterchangeError as exc:
        return _fail(str(exc))
    print(f"wrote {result.path} ({args.format})")
    for line in result.skipped:
        print(f"  not written: {line}")
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    from engine.timeline.errors import InterchangeError
    from engine.timeline.importers import import_timeline
    from engine.timeline.rates import exact_rate

    rate = None
    if args.rate is not None:
        try:
            rate = exact_rate(args.rate if "/" in args.rate else float(args.rate))
        except (ValueError, ZeroDivisionError):
            return _fail(f"--rate {args.rate!r} is not a frame rate")
    try:
        result = import_timeline(args.file, rate=rate, search_paths=args.search)
    except InterchangeError as exc:
        return _fail(str(exc))
    if not result.timelines:  # a bin or library export: saying "0 timelines" and exit 0 hides it
        why = {"xmeml": "no <sequence> in this FCP7 XML", "fcpxml": "no project in this FCPXML"}.get(
            result.format, "no timeline in this file")
        return _fail(f"{result.path}: nothing to import ({why})")
    if args.project:
        status = _add_to_project(args.project, result.timelines)
        if status:
            return _fail(status)
    if args.json:
        json.dump(result.summary(), sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        print(_format(result, args.project))
    return 0


def _add_to_project(path: str, timelines) -> str | None:
    from pathlib import Path

    from engine.project import Project, ProjectError

    try:
        project = Project.load(path) if Path(path).exists() else Project()
        project.timelines.extend(timelines)
        project.save(path)
    except ProjectError as exc:
        return str(exc)
    return None


def _format(result, project: str | None) -> str:
    summary = result.summary()
    lines = [f"{result.path.name}: {result.format}, {len(result.timelines)} timeline(s)"]
    for entry in summary["timelines"]:
        lines.append(f"  {entry['name'] or '(unnamed)'}  {entry['rate']} fps"
                     f"{' DF' if entry['drop_frame'] else ''}  {entry['video_tracks']} video / "
                     f"{entry['audio_tracks']} audio tracks, {entry['clips']} clips, "
                     f"{entry['transitions']} transitions, {entry['markers']} markers")
        for track in entry["tracks"]:
            lines.append(f"    {track['name'] or track['kind']:<12} {track['clips']:>4} clips "
                         f"{track['transitions']:>3} transitions {track['markers']:>4} markers")
    for line in result.unsupported:
        lines.append(f"  not imported: {line}")
    for old, new in result.relinked:
        lines.append(f"  relinked: {old} -> {new}")
    if result.missing:
        lines.append(f"  offline media: {len(result.missing)} file(s) not found, e.g. {result.missing[0]}")
    if project:
        lines.append(f"  added to {project}")
    return "\n".join(lines)
