"""`moviola-cli propose FILE... --duration 60 --arc trailer [--music song.wav] -o cut.otio`.

Writes the first alternative to ``-o`` (format from its suffix: .otio, .xml for
Premiere, .fcpxml for Resolve, .edl) and the others beside it as ``NAME-2``, ``NAME-3``;
prints each proposal's explanation.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

_FORMATS = {".otio": "otio", ".xml": "premiere", ".fcpxml": "resolve", ".edl": "edl"}


def register(subparsers) -> None:
    p = subparsers.add_parser("propose", help="propose edits that follow an emotional arc")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--duration", type=float, required=True, help="target duration in seconds")
    p.add_argument("--arc", default="rising",
                   help="flat, rising, falling, three-act, trailer, or points t:level[:valence],...")
    p.add_argument("--music", help="music file: cuts fall on its beats and it goes on A2")
    p.add_argument("--asl", type=float, help="average shot length in seconds (default 2.5, or 2 beats with music)")
    p.add_argument("--order", choices=("source", "free"), default="source", help="keep source order or not")
    p.add_argument("--must", action="append", default=[], metavar="[FILE:]SHOT",
                   help="shot number (1-based, of the first file unless FILE: is given) to keep")
    p.add_argument("--exclude", action="append", default=[], metavar="[FILE:]SHOT", help="shot never to use")
    p.add_argument("--shots", action="append", default=[], metavar="JSON",
                   help="shot list per FILE (shots --json output or a truth file) instead of detecting")
    p.add_argument("--alternatives", type=int, default=3, choices=(1, 2, 3))
    p.add_argument("--taste", metavar="DIR", help="preference model folder (default: the user's, if trained)")
    p.add_argument("--no-taste", action="store_true", help="ignore the learned preferences")
    p.add_argument("-o", "--output", required=True, help="cut.otio, cut.xml, cut.fcpxml or cut.edl")
    p.set_defaults(func=_cmd_propose)

    p = subparsers.add_parser("taste", help="what the learned taste model knows; teach or reset it")
    p.add_argument("--learn", metavar="TIMELINE",
                   help="a finished edit (Premiere/FCP XML, FCPXML, EDL, .otio) of the FILEs' footage")
    p.add_argument("files", nargs="*", metavar="FILE", help="the footage the edit used")
    p.add_argument("--reset", action="store_true", help="forget everything learned")
    p.add_argument("--evaluate", metavar="TIMELINE",
                   help="a finished edit of the FILEs: learn from its first part, report recall@K on the "
                        "rest against the untrained proposer (the user's taste model is not touched)")
    p.add_argument("--held-out", type=float, default=0.3, help="share of --evaluate's edit held out (0.3)")
    p.add_argument("--taste", metavar="DIR", help="model folder (default: the user's)")
    p.set_defaults(func=_cmd_taste)


def _cmd_propose(args: argparse.Namespace) -> int:
    from engine.edit.arcs import get_arc
    from engine.edit.inputs import from_shot_list
    from engine.edit.output import proposal_timeline
    from engine.edit.pacing import Pacing
    from engine.edit.proposals import propose
    from engine.media import MediaError
    from engine.timeline.api import export_timeline
    from engine.timeline.errors import InterchangeError

    out = Path(args.output)
    fmt = _FORMATS.get(out.suffix.lower())
    if fmt is None:
        return _fail(f"cannot tell the format of {out.name}: use {', '.join(_FORMATS)}")
    if args.shots and len(args.shots) != len(args.files):
        return _fail("give one --shots file per FILE, or none")
    try:
        arc = get_arc(args.arc)
        must, excluded = _shot_refs(args.must, args.files), _shot_refs(args.exclude, args.files)
    except ValueError as exc:
        return _fail(str(exc))

    both = sorted((n, i) for n in must for i in must[n] & excluded.get(n, set()))
    if both:
        n, i = both[0]
        return _fail(f"shot {i + 1} of {Path(args.files[n]).name} is both --must and --exclude: "
                     "a proposal cannot keep and leave out the same shot")
    if args.shots:
        pool = []
        for n, name in enumerate(args.files):
            try:
                shot_list, has_audio = _shots_for(name, args.shots[n])
            except (MediaError, OSError, ValueError, KeyError) as exc:
                return _fail(f"{name}: {exc}")
            pool += from_shot_list(name, shot_list, must_use=must.get(n, ()),
                                   excluded=excluded.get(n, ()), has_audio=has_audio)
    else:  # analysis (cached) and cut facts: the same pool the app proposes from
        from engine.edit.from_analysis import proposal_pool_job
        from engine.jobs import drive

        try:
            pool = drive(proposal_pool_job(args.files, must, excluded))
        except (MediaError, OSError) as exc:
            return _fail(str(exc))
    pacing = Pacing(avg_shot_s=args.asl if args.asl else (None if args.music else 2.5))
    try:
        proposals = propose(pool, args.duration, arc, pacing, source_order=args.order == "source",
                            music=args.music, preference=_taste(args), alternatives=args.alternatives)
    except (MediaError, ValueError) as exc:
        return _fail(str(exc))
    for n, proposal in enumerate(proposals, 1):
        target = out if n == 1 else out.with_name(f"{out.stem}-{n}{out.suffix}")
        try:
            export_timeline(proposal_timeline(proposal), target, fmt)
        except InterchangeError as exc:
            return _fail(str(exc))
        print(f"[{n}] {target}")
        print(proposal.explanation())
    return 0


def _fail(message: str) -> int:
    print(f"moviola-cli: {message}", file=sys.stderr)
    return 1


def _shot_refs(values: list[str], files: list[str]) -> dict[int, set[int]]:
    """``"7"`` or ``"b.mov:7"`` → {file index: {shot index (0-based)}}."""
    result: dict[int, set[int]] = {}
    names = [Path(f).name for f in files]
    for value in values:
        file_part, _, shot = value.rpartition(":")
        n = 0
        if file_part:
            matches = [i for i, f in enumerate(files) if f == file_part or names[i] == file_part]
            if not matches:
                raise ValueError(f"{value}: {file_part} is not one of the FILEs")
            n = matches[0]
        if not shot.isdigit() or int(shot) < 1:
            raise ValueError(f"{value}: shot numbers start at 1")
        result.setdefault(n, set()).add(int(shot) - 1)
    return result


def _shots_for(name: str, json_path: str | None):
    """The file's analysis (shots and emotion), or a ShotList read from JSON; and whether
    it has sound."""
    import json
    from fractions import Fraction

    import numpy as np

    from engine.shots import Shot, ShotList, Transition

    if json_path is None:
        from engine.analysis import analysis_job
        from engine.jobs import drive

        analysis = drive(analysis_job(name))
        return analysis, bool(analysis.info.audio)
    doc = json.loads(Path(json_path).read_text())
    rows = doc.get("shots") or doc["segments"]
    shots = [Shot(int(r["start_frame"]), int(r["end_frame"])) for r in rows]
    transitions = [Transition(str(t["type"]), int(t["start_frame"]), int(t["end_frame"]))
                   for t in doc.get("transitions", [])]
    has_audio = bool(doc.get("has_audio", True))
    fps = Fraction(doc.get("fps_rational") or doc["fps"])
    return ShotList(fps, int(doc["frame_count"]), shots, transitions, np.zeros(0), np.zeros(0)), has_audio


def _taste(args: argparse.Namespace):
    if args.no_taste:
        return None
    from engine.edit.preference import PreferenceModel
    from engine.settings import config_dir

    model = PreferenceModel(Path(args.taste) if args.taste else config_dir() / "taste")
    return model if model.trained else None


def _cmd_taste(args: argparse.Namespace) -> int:
    from engine.edit.from_analysis import learn_from_timeline_job, taste_folder
    from engine.edit.preference import PreferenceModel
    from engine.jobs import drive
    from engine.media import MediaError
    from engine.timeline.errors import InterchangeError
    from engine.timeline.importers import import_timeline

    folder = Path(args.taste) if args.taste else taste_folder()
    model = PreferenceModel(folder)
    if args.reset:
        model.reset()
        print(f"taste model reset ({folder})")
        return 0
    if args.evaluate:
        if not args.files:
            return _fail("--evaluate needs the footage FILEs the edit used")
        if not 0 < args.held_out < 1:
            return _fail("--held-out is a share of the edit, between 0 and 1")
        from engine.edit.from_analysis import proposal_pool_job
        from engine.edit.taste_eval import evaluate_taste

        try:
            result = import_timeline(args.evaluate, search_paths=[Path(f).parent for f in args.files])
            pool = drive(proposal_pool_job(args.files))
            print(evaluate_taste(result.timelines[0], pool, args.held_out))
        except (InterchangeError, MediaError, OSError, ValueError, IndexError) as exc:
            return _fail(f"{args.evaluate}: {exc}")
        return 0
    if args.learn:
        if not args.files:
            return _fail("--learn needs the footage FILEs the edit used")
        try:
            result = import_timeline(args.learn, search_paths=[Path(f).parent for f in args.files])
            import opentimelineio as otio
            document = otio.adapters.write_to_string(result.timelines[0], "otio_json")
            print(drive(learn_from_timeline_job(document, args.files, folder)))
        except (InterchangeError, MediaError, OSError, ValueError, IndexError) as exc:
            return _fail(f"{args.learn}: {exc}")
        return 0
    print(f"{model.report()} ({folder})")
    return 0
