"""`moviola-cli shots FILE...`: the shot list, for people (table), spreadsheets (--csv) and
programs (--json, one object per file as documented in the README)."""
from __future__ import annotations

import argparse
import csv
import json
import sys


def register(subparsers) -> None:
    p = subparsers.add_parser("shots", help="find the shots and transitions of video files")
    p.add_argument("files", nargs="+", metavar="FILE")
    form = p.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="one JSON object per file")
    form.add_argument("--csv", action="store_true", help="one row per shot")
    p.add_argument("--no-cache", action="store_true", help="recompute even if the cache has it")
    p.set_defaults(func=_cmd_shots)


def _cmd_shots(args: argparse.Namespace) -> int:
    from engine.media import MediaError
    from engine.shots import detect_shots

    failed, documents = 0, []
    writer = csv.writer(sys.stdout) if args.csv else None
    if writer:
        writer.writerow(["file", "shot", "start_frame", "end_frame", "incoming", "transition_start",
                         "transition_end"])
    for name in args.files:
        options = {"cache": None} if args.no_cache else {}
        try:
            shots = detect_shots(name, progress=_progress if sys.stderr.isatty() else None, **options)
        except MediaError as exc:
            failed += 1
            print(f"moviola-cli: {exc}", file=sys.stderr)
            continue
        for warning in shots.warnings:
            print(f"moviola-cli: {name}: warning: {warning}", file=sys.stderr)
        if args.json:
            documents.append(shots.to_json(name))
        elif writer:
            for i, shot in enumerate(shots.shots):
                t = shots.incoming(i)
                writer.writerow([name, i + 1, shot.start_frame, shot.end_frame,
                                 t.type if t else "", t.start_frame if t else "", t.end_frame if t else ""])
        else:
            print(_table(name, shots))
    if args.json:
        json.dump(documents[0] if len(args.files) == 1 and documents else documents,
                  sys.stdout, indent=2, ensure_ascii=False)
        print()
    return 1 if failed else 0


def _table(name: str, shots) -> str:
    fps = float(shots.fps)
    lines = [f"{name}: {len(shots.shots)} shots, {shots.frame_count} frames at {shots.fps} fps"]
    for i, shot in enumerate(shots.shots):
        t = shots.incoming(i)
        into = "" if t is None else ("cut" if t.type == "cut" else f"{t.type} {t.start_frame}-{t.end_frame}")
        lines.append(f"  {i + 1:4d}  {shot.start_frame:7d} – {shot.end_frame:7d}  "
                     f"{(shot.end_frame - shot.start_frame + 1) / fps:7.2f} s  {into}")
    return "\n".join(lines)


def _progress(fraction: float, message: str) -> None:
    print(f"\r[{fraction:6.1%}] {message[:60]:60s}", end="", file=sys.stderr, flush=True)
    if fraction >= 1:
        print(file=sys.stderr)
