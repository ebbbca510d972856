"""`moviola-cli`: the engine's headless front door."""
from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from engine.batch import each_file
from engine.media import MediaInfo, probe


def _format_probe(info: MediaInfo) -> str:
    lines = [str(info.path.name),
             f"  container  {info.container}   duration {info.duration:.3f} s   "
             f"size {info.size_bytes / 1e6:.2f} MB"]
    v = info.video
    if v is not None:
        rate = v.frame_rate
        lines.append(
            f"  video      {v.codec} {v.width}x{v.height} {v.pix_fmt}  "
            f"{rate.numerator}/{rate.denominator} fps ({float(rate):.3f}) "
            f"{'VFR' if v.is_vfr else 'CFR'}  {v.frame_count} frames"
            + (f"  rotated {v.rotation}°" if v.rotation else ""))
    else:
        lines.append("  video      none")
    if info.start_timecode:
        lines.append(f"  timecode   {info.start_timecode}")
    for a in info.audio:
        lines.append(f"  audio #{a.index}   {a.codec} {a.channels} ch {a.sample_rate} Hz {a.layout}")
    if not info.audio:
        lines.append("  audio      none")
    lines += [f"  warning    {w}" for w in info.warnings]
    return "\n".join(lines)


def _cmd_probe(args: argparse.Namespace) -> int:
    return each_file(args.files, lambda name: probe(Path(name)), lambda _name, info: info.to_dict(),
                     lambda _name, info: _format_probe(info), args.json)


def _cmd_demo(args: argparse.Namespace) -> int:
    from engine.pipeline import OutputError, run_pipeline
    from engine.resources import demo_media

    files = [Path(f) for f in args.files] or demo_media()
    try:
        report = run_pipeline(files, Path(args.out), progress=_print_progress)
    except OutputError as exc:  # disk full, read-only folder: one line, no traceback
        print(f"moviola-cli: {exc}", file=sys.stderr)
        return 1
    for name, problem in report.errors.items():
        print(f"moviola-cli: {name}: {problem}", file=sys.stderr)
    print(report.summary())
    return 0 if report.ok else 1


def _print_progress(fraction: float, message: str) -> None:
    print(f"[{fraction:6.1%}] {message}", file=sys.stderr, flush=True)


# Each area of the engine adds its own subcommands: a module with `register(subparsers)` that
# imports its heavy dependencies only inside the command it runs, so `--help` stays instant.
COMMAND_MODULES: tuple[str, ...] = (
    "engine.shots.commands",
    "engine.affect.commands",
    "engine.cluster.commands",  # after affect: it adds --ray and folders to `analyze`
    "engine.timeline.commands",
    "engine.edit.commands",
    "engine.vfx.commands",
    "engine.script.commands",
    "engine.transcript.commands",
    "engine.refresh",
    "engine.annotate",
    "engine.audience.commands",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="moviola-cli", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("probe", help="describe media files")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_cmd_probe)

    p = sub.add_parser("pipeline", aliases=["demo"],
                       help="run the headless pipeline (default: on the bundled demo footage)")
    p.add_argument("files", nargs="*", metavar="FILE")
    p.add_argument("--out", default="out/demo", help="folder for the project and exports")
    p.set_defaults(func=_cmd_demo)

    for module in COMMAND_MODULES:
        importlib.import_module(module).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
