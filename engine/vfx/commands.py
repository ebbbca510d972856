"""`moviola-cli vfx track|stabilize|key|element`: the VFX tools for batch use.

Heavy imports (OpenCV, PyAV, scipy) happen inside the handlers so that building the
parser, and so ``moviola-cli --help``, stays instant.
"""
from __future__ import annotations

import argparse
import json
import sys


def register(subparsers) -> None:
    """Add the ``vfx`` command and its subcommands to the CLI's subparsers."""
    vfx = subparsers.add_parser("vfx", help="tracking, stabilisation, keying, generated elements")
    sub = vfx.add_subparsers(dest="vfx_command", required=True)

    p = sub.add_parser("track", help="track the camera (or a planar region) of a shot")
    _shot_args(p)
    p.add_argument("--json", action="store_true",
                   help='print {"frames": [{"frame": k, "homography": 3x3}, ...]} (start frame -> k)')
    p.add_argument("--out", metavar="JSON", help="write the full track (models, residuals, region)")
    p.add_argument("--blender", metavar="PY", help="write a Blender script building the animated camera")
    p.add_argument("--lens", type=float, default=35.0, help="lens in mm assumed for --blender (35)")
    p.add_argument("--region", metavar="X,Y X,Y ...", help="polygon on the start frame: planar track")
    p.add_argument("--model", default="auto", choices=["auto", "translation", "similarity", "homography"])
    p.add_argument("--full-res", action="store_true", help="track at full size (slower)")
    p.set_defaults(func=_track)

    p = sub.add_parser("stabilize", aliases=["stabilise"], help="steady a shot and render it")
    _shot_args(p)
    p.add_argument("--out", required=True, help=".mov (ProRes 422 HQ), .mp4 (H.264) or a folder (PNG)")
    p.add_argument("--strength", type=float, default=0.5, help="0 (none) .. 1 (very smooth); default 0.5")
    p.add_argument("--lock", action="store_true", help="lock-off: hold the average framing")
    p.add_argument("--no-crop", action="store_true", help="keep the full frame (borders may show)")
    p.add_argument("--json", action="store_true", help="print the jitter report as JSON")
    p.set_defaults(func=_stabilize)

    p = sub.add_parser("key", help="chroma key a green or blue screen shot")
    _shot_args(p)
    p.add_argument("--out", required=True, help="keyed clip: .mov (ProRes 4444) or a folder (PNG)")
    p.add_argument("--matte", help="also write the alpha matte (.mov, .mp4 or folder)")
    p.add_argument("--screen", choices=["green", "blue"], default="green")
    p.add_argument("--tolerance", type=float, default=0.35)
    p.add_argument("--softness", type=float, default=0.3)
    p.add_argument("--spill", type=float, default=1.0, help="spill suppression 0..1")
    p.add_argument("--garbage", action="append", default=[], metavar="X,Y X,Y ...",
                   help="polygon to keep; everything outside is removed (repeatable)")
    p.set_defaults(func=_key)

    p = sub.add_parser("element", help="generate an element from a description and render it")
    p.add_argument("description", help="e.g. \"heavy rain blowing left\", \"title 'NIGHTFALL' fading in\"")
    p.add_argument("--plate", metavar="FILE", help="the shot: size, rate, length and camera move")
    p.add_argument("--start", type=int, default=0, help="first frame of the shot in --plate")
    p.add_argument("--end", type=int, help="frame after the shot's last in --plate")
    p.add_argument("--size", default="1920x1080", help="WxH without --plate (1920x1080)")
    p.add_argument("--rate", default="24", help="frame rate without --plate, e.g. 24000/1001")
    p.add_argument("--frames", type=int, default=48, help="length without --plate (48)")
    p.add_argument("--seed", type=int)
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="override a parameter, e.g. --set density=0.8 --set colour=1,0.8,0.4")
    p.add_argument("--out", help=".mov (ProRes 4444) or a folder (PNG sequence)")
    p.add_argument("--json", action="store_true", help="print the element's parameters as JSON")
    p.set_defaults(func=_element)


def _shot_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", metavar="FILE")
    p.add_argument("--start", type=int, default=0, help="first frame (0)")
    p.add_argument("--end", type=int, help="frame after the last (default: end of file)")


# -- handlers -------------------------------------------------------------------------


def _track(args) -> int:
    from .blender import write_blender_script
    from .tracking import TrackerSettings, track_shot

    settings = TrackerSettings(model=args.model, max_width=None if args.full_res else 960)
    region = _polygon(args.region) if args.region else None
    track = _run(track_shot(args.file, args.start, args.end, settings, region))
    if track is None:
        return 1
    if args.out:
        track.save_json(args.out)
    if args.blender:
        write_blender_script(track, args.blender, args.lens)
    if args.json:
        frames = [{"frame": f["frame"], "homography": f["homography"]} for f in track.to_dict()["frames"]]
        json.dump({"frames": frames}, sys.stdout)
        print()
    else:
        lost = sum(m == "none" for m in track.models)
        print(f"tracked {len(track)} frames {track.start}..{track.end - 1} of {args.file}"
              + (f", lost in {lost}" if lost else ""))
    return 0


def _stabilize(args) -> int:
    from .stabilize import StabilizeSettings, stabilize_shot

    settings = StabilizeSettings(strength=args.strength, lock=args.lock, crop=not args.no_crop)
    report = _run(stabilize_shot(args.file, args.out, args.start, args.end, settings))
    if report is None:
        return 1
    if args.json:
        json.dump({"output": report.output, "frames": report.frames, "crop_scale": report.crop_scale,
                   "jitter_before": report.jitter_before, "jitter_after": report.jitter_after}, sys.stdout)
        print()
    else:
        print(f"{report.output}: {report.frames} frames, crop {report.crop_scale:.1%}, jitter "
              f"{report.jitter_before:.2f} px -> {report.jitter_after:.2f} px "
              f"({report.reduction:.0%} less)")
    return 0


def _key(args) -> int:
    from .key import KeySettings, key_shot

    settings = KeySettings(screen=args.screen, tolerance=args.tolerance, softness=args.softness,
                           spill=args.spill, garbage=[_polygon(g) for g in args.garbage])
    report = _run(key_shot(args.file, args.out, args.matte, args.start, args.end, settings))
    if report is None:
        return 1
    print(f"{report.output}: {report.frames} frames keyed"
          + (f", matte {report.matte}" if report.matte else ""))
    return 0


def _element(args) -> int:
    from fractions import Fraction

    from .describe import describe
    from .elements import Element
    from .render import render_element, render_for_shot

    try:
        element = describe(args.description)
        changes = dict(_assignment(s) for s in args.set)
        if args.seed is not None:
            changes["seed"] = args.seed
        element = Element.from_dict({**element.to_dict(), **changes})
    except ValueError as exc:
        print(f"moviola-cli: {exc}", file=sys.stderr)
        return 2
    if args.json:
        json.dump(element.to_dict(), sys.stdout)
        print()
    if not args.out:
        return 0
    if args.plate:
        job = render_for_shot(element, args.plate, args.out, args.start, args.end)
    else:
        width, height = (int(v) for v in args.size.lower().split("x"))
        job = render_element(element, args.out, width, height, Fraction(args.rate), args.frames)
    report = _run(job)
    if report is None:
        return 1
    if not args.json:
        print(f"{report.output}: {element.kind}, {report.frames} frames "
              f"{report.width}x{report.height} at {report.frame_rate}")
    return 0


# -- helpers --------------------------------------------------------------------------


def _run(job):
    """Drive a job, showing progress on stderr; None after a reported error or Ctrl+C."""
    from engine.media import MediaError

    shown = -1
    try:
        while True:
            fraction, message = next(job)
            step = int(fraction * 10)
            if step != shown:
                shown = step
                print(f"[{fraction:6.1%}] {message}", file=sys.stderr, flush=True)
    except StopIteration as stop:
        return stop.value
    except KeyboardInterrupt:
        job.close()  # unwinds the job: writers remove their partial output
        print("moviola-cli: cancelled", file=sys.stderr)
    except (MediaError, ValueError, OSError) as exc:
        print(f"moviola-cli: {exc}", file=sys.stderr)
    return None


def _polygon(text: str) -> list[tuple[float, float]]:
    try:
        points = [tuple(float(v) for v in pair.split(",")) for pair in text.split()]
    except ValueError:
        points = []
    if len(points) < 3 or any(len(p) != 2 for p in points):
        raise SystemExit(f"moviola-cli: a polygon is at least three X,Y points, not {text!r}")
    return points


def _assignment(text: str) -> tuple[str, object]:
    name, sep, value = text.partition("=")
    if not sep:
        raise ValueError(f"--set wants NAME=VALUE, not {text!r}")
    name = name.strip().replace("-", "_")
    if name == "colour" or name == "color":
        return "colour", tuple(float(v) for v in value.split(","))
    if name in ("tracked",):
        return name, value.strip().lower() in ("1", "true", "yes", "on")
    if name in ("text", "kind"):
        return name, value
    if name in ("layers", "seed"):
        return name, int(value)
    if name == "duration" and value.strip().lower() in ("", "none", "shot"):
        return name, None
    return name, float(value)
