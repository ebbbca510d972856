"""``moviola-cli audience learn|predict|thumbnails``: the channel's history, predictions, thumbnails."""
from __future__ import annotations

import argparse
import json
import sys

DEFAULT_TARGET = "Average percentage viewed (%)"


def register(subparsers) -> None:
    p = subparsers.add_parser("audience", help="learn how viewers responded from an analytics export; predict cuts")
    sub = p.add_subparsers(dest="audience_command", required=True)

    q = sub.add_parser("learn", help="learn one column of an analytics export (YouTube Studio 'Table data.csv')")
    q.add_argument("csv", metavar="CSV")
    q.add_argument("--media", metavar="DIR", help="folder whose file names match the video titles")
    q.add_argument("--target", default=DEFAULT_TARGET, help=f"column to learn (default {DEFAULT_TARGET!r})")
    q.add_argument("--model", required=True, metavar="DIR", help="folder to keep the model in")
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q.set_defaults(func=_cmd_learn)

    q = sub.add_parser("predict", help="predict files, .otio edits or PROJECT.moviola:TIMELINE with a learned model")
    q.add_argument("items", nargs="+", metavar="FILE|PROJECT:TIMELINE")
    q.add_argument("--model", required=True, metavar="DIR")
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q.set_defaults(func=_cmd_predict)

    q = sub.add_parser("thumbnails", help="the frames of a file or an edit most likely to work as its thumbnail")
    q.add_argument("file", metavar="FILE|EDIT.otio|PROJECT:TIMELINE")
    q.add_argument("-n", type=int, default=5, help="how many (default 5)")
    q.add_argument("-o", "--output", required=True, metavar="DIR", help="folder for the PNGs")
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q.set_defaults(func=_cmd_thumbnails)


def _fail(message: str) -> int:
    print(f"moviola-cli: {message}", file=sys.stderr)
    return 1


def _progress(fraction: float, message: str) -> None:
    print(f"[{fraction:6.1%}] {message}", file=sys.stderr, flush=True)


def _cmd_learn(args: argparse.Namespace) -> int:
    from engine.jobs import drive

    from .history import learn_job
    from .table import AudienceError

    try:
        learned = drive(learn_job(args.csv, args.target, args.media), None if args.json else _progress)
    except AudienceError as exc:
        return _fail(str(exc))
    for line in learned.problems:
        print(f"moviola-cli: {line}", file=sys.stderr)
    try:
        learned.model.save(args.model)
    except OSError as exc:
        return _fail(f"{args.model}: cannot save the model ({exc.strerror or exc})")
    if args.json:
        print(json.dumps(learned.to_json(), indent=2))
        return 0
    t = learned.table
    print(f"{t.path.name}: {len(t.rows)} videos, {len(learned.features)} matched and analysed")
    if t.not_understood:
        print("columns not understood: " + ", ".join(repr(c) for c in t.not_understood))
    for m in learned.unmatched:
        print(f"  line {m.row.line} {m.row.label!r}: {m.reason}")
    print(learned.model.skill_line())
    if learned.model.skill:
        print("what drives it:")
        for d in learned.model.drivers:
            print(f"  {d['text']}")
    print(f"model saved in {args.model}")
    return 0


def _cmd_predict(args: argparse.Namespace) -> int:
    from engine.jobs import drive

    from .history import predict_job
    from .model import AudienceModel, NoModel

    try:
        model = AudienceModel.load(args.model)
    except NoModel as exc:
        return _fail(str(exc))
    if model.kind is None:
        return _fail(f"{args.model}: {model.reason}; nothing to predict with")
    if not model.skill:
        print(f"moviola-cli: {args.model}: the model has no skill ({model.reason}); predictions are not ranked",
              file=sys.stderr)
    results = drive(predict_job(args.items, model), None if args.json else _progress)
    failed = [r for r in results if isinstance(r, str)]
    good = [r for r in results if not isinstance(r, str)]
    for line in failed:
        print(f"moviola-cli: {line}", file=sys.stderr)
    ranked = model.rank(good)
    rank_of = {id(p): i for i, p in enumerate(ranked, 1)} if ranked else {}
    if args.json:
        out = [p.to_json() | ({"rank": rank_of[id(p)]} if rank_of else {}) for p in good]
        print(json.dumps(out[0] if len(out) == 1 and len(args.items) == 1 else out, indent=2))
    else:
        for p in good:
            lo, hi = p.interval
            head = f"#{rank_of[id(p)]} " if rank_of else ""
            print(f"{head}{p.name}: {model.target_label} {p.prediction:.1f} ({lo:.1f} to {hi:.1f})")
            for c in p.contributions[:5]:
                print(f"    {c.text}")
    return 1 if failed else 0


def _cmd_thumbnails(args: argparse.Namespace) -> int:
    from pathlib import Path

    from engine.jobs import drive, failure_message
    from engine.media import MediaError

    from .thumbnails import export_pngs, spans_candidates_job, video_spans_job

    if args.n < 1:
        return _fail("-n must be at least 1")
    name = Path(str(args.file).split(".moviola:", 1)[-1] if ".moviola:" in str(args.file) else args.file)
    try:
        spans = drive(video_spans_job(args.file), None if args.json else _progress)
        found = drive(spans_candidates_job(spans, args.n, keep_images=False), None)
        written = export_pngs(name, found, args.output)
    except (MediaError, ValueError) as exc:
        message = failure_message(exc)
        return _fail(message if str(args.file) in message or isinstance(exc, MediaError) else f"{args.file}: {message}")
    except OSError as exc:
        return _fail(f"{args.output}: cannot write ({exc.strerror or exc})")
    if args.json:
        print(json.dumps([c.to_json() | {"png": str(p)} for c, p in zip(found, written)], indent=2))
    else:
        for c, p in zip(found, written):
            print(f"{p}  {Path(c.source).name} frame {c.frame} ({c.time_s:.2f} s)  score {c.score:.2f}: {c.why()}")
    return 0
