"""``moviola-cli analyze``, ``plot`` and ``label``: shot emotion from the command line."""
from __future__ import annotations

import argparse
import sys


def register(subparsers) -> None:
    """Add the ``analyze``, ``plot`` and ``label`` subcommands (heavy imports wait for the handlers)."""
    p = subparsers.add_parser("analyze", help="find shots and score each shot's emotion")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--no-cache", action="store_true", help="recompute instead of using the analysis cache")
    p.set_defaults(func=_cmd_analyze)

    p = subparsers.add_parser("plot", help="draw a file's emotion curve with its shot boundaries")
    p.add_argument("file", metavar="FILE")
    p.add_argument("-o", "--output", required=True, metavar="IMAGE", help="e.g. arc.png")
    p.set_defaults(func=_cmd_plot)

    p = subparsers.add_parser("label", help="teach the emotion model: label a shot the way you see it")
    p.add_argument("file", metavar="FILE", nargs="?")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--shot", type=int, metavar="N", help="shot number (0-based, as `analyze` lists them)")
    where.add_argument("--frame", type=int, metavar="F", help="the shot holding this frame")
    p.add_argument("--as", dest="label", metavar="LABEL", help="calm, tender, joyful, tense, suspense, sad, action, "
                   "or any word you use")
    p.add_argument("--status", action="store_true", help="show how many labels there are and how the model does")
    p.set_defaults(func=_cmd_label)


def _fail(message: str) -> int:
    print(f"moviola-cli: {message}", file=sys.stderr)
    return 1


def _progress(fraction: float, message: str) -> None:
    print(f"[{fraction:6.1%}] {message}", file=sys.stderr, flush=True)


def _analyse(path: str, use_cache: bool = True, progress=None):
    """The emotion result of one file's analysis (shots and emotion, both cached)."""
    from engine.analysis import analysis_job
    from engine.jobs import drive

    options = {} if use_cache else {"cache": None}
    return drive(analysis_job(path, **options), progress).emotion


def _table(result) -> str:
    fps = float(result.fps)
    lines = [f"{result.path.name}: {len(result.shots)} shots, model {result.model}"
             + (f" (agreement {result.agreement:.0%})" if result.agreement is not None else "")]
    lines.append(f"  {'#':>3} {'frames':>13} {'sec':>6} {'valence':>7} {'arousal':>7} {'label':<9} {'conf':>4}  why")
    for i, s in enumerate(result.shots):
        why = ", ".join(f"{c.feature} {c.contribution:+.2f}" for c in s.explanation[:3])
        lines.append(f"  {i:>3} {s.start_frame:>6}-{s.end_frame:<6} {(s.end_frame - s.start_frame + 1) / fps:>6.2f} "
                     f"{s.valence:>+7.2f} {s.arousal:>7.2f} {s.label:<9} {s.confidence:>4.0%}  {why}")
    lines += [f"  warning  {w}" for w in result.warnings]
    return "\n".join(lines)


def _cmd_analyze(args: argparse.Namespace) -> int:
    from engine.batch import each_file

    return each_file(args.files,
                     lambda name: _analyse(name, not args.no_cache, None if args.json else _progress),
                     lambda name, result: result.to_json(name), lambda _name, result: _table(result),
                     args.json)


def _cmd_plot(args: argparse.Namespace) -> int:
    from engine.affect.plot import plot_emotion
    from engine.media import MediaError

    try:
        result = _analyse(args.file, progress=_progress)
    except MediaError as exc:
        return _fail(str(exc))
    plot_emotion(result, args.output)
    print(args.output)
    return 0


def _cmd_label(args: argparse.Namespace) -> int:
    from engine.affect.learned import MIN_LABELS, LabelStore, retrain

    store = LabelStore()
    if args.status or args.file is None:
        return _status(store, MIN_LABELS)
    if args.label is None or (args.shot is None and args.frame is None):
        return _fail("label needs FILE, --shot N or --frame F, and --as LABEL")
    from engine.affect.emotion import shot_at
    from engine.cache.fingerprint import fingerprint
    from engine.media import MediaError

    try:
        result = _analyse(args.file, progress=_progress)
    except MediaError as exc:
        return _fail(str(exc))
    index = args.shot if args.shot is not None else shot_at(result, args.frame)
    if not 0 <= index < len(result.shots):
        return _fail(f"{args.file} has shots 0..{len(result.shots) - 1}, not {index}")
    shot = result.shots[index]
    store.add(fingerprint(args.file), str(args.file), shot.start_frame, shot.end_frame,
              args.label.strip().lower(), shot.features)
    model = retrain(store)
    print(f"shot {index} (frames {shot.start_frame}-{shot.end_frame}) labelled {args.label!r}")
    return _status(store, MIN_LABELS, model)


def _status(store, minimum: int, model=None) -> int:
    from collections import Counter

    from engine.affect.learned import LearnedModel

    entries = store.entries()
    model = model or LearnedModel.load(store.path.parent)
    counts = Counter(e["label"] for e in entries)
    print(f"{len(entries)} labels ({', '.join(f'{k} {v}' for k, v in counts.most_common()) or 'none'}) in {store.path}")
    if model is None:
        print(f"learned model: none yet (needs two different labels; takes over from {minimum} labels)")
    else:
        state = "in use" if model.active else (
            f"not in use yet (needs {minimum} labels)" if model.labels < minimum else
            "not in use (no better than chance)" if model.agreement <= model.chance else
            "not in use (no better than the default model)")
        print(f"learned model: {state}; cross-validated agreement {model.agreement:.0%} "
              f"vs {model.chance:.0%} by always answering the commonest label "
              f"and {model.default_agreement:.0%} by the default model")
    return 0
