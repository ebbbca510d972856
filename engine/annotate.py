"""`moviola-cli annotate`: the editor's own timeline back with emotion markers added.

It sits above both the analysis and the timeline packages: the timeline side
(engine.timeline.annotate) is told how to analyse a file, and this module tells it.
"""
from __future__ import annotations

import argparse
import sys
from fractions import Fraction

ROOM = 0.75  # proposals last at most this share of the analysed footage


def register(subparsers) -> None:
    p = subparsers.add_parser("annotate", help="add emotion markers to a Premiere/Resolve timeline "
                                               "(.xml, .fcpxml, .otio) and write it back")
    p.add_argument("timeline", metavar="TIMELINE", help="the editor's .xml, .fcpxml or .otio file")
    p.add_argument("-o", "--output", default=None, metavar="OUT",
                   help="where to write (default: NAME.annotated.EXT beside it)")
    p.add_argument("--proposals", type=int, default=3, choices=(0, 1, 2, 3),
                   help="edit proposals from the timeline's media written into the same file (default 3)")
    p.add_argument("--duration", type=float, default=None,
                   help="length of the proposals in seconds (default: the editor's cut's)")
    p.add_argument("--arc", default="rising", help="the proposals' arc (as `moviola-cli propose --arc`)")
    p.set_defaults(func=_cmd_annotate)


def analyse(path: str):
    """Per-shot emotion of one file from the engine's analysis (cached), or None if unreadable."""
    from engine.analysis import analysis_job
    from engine.jobs import drive
    from engine.media import MediaError
    from engine.timeline.annotate import ShotMood

    try:
        analysis = drive(analysis_job(path))
    except (MediaError, OSError) as exc:
        print(f"{path}: not analysed ({exc})", file=sys.stderr)
        return None
    if analysis.emotion is None or analysis.info.video is None:
        return None
    seconds = frame_seconds(path, analysis.info.video)
    moods = []
    for shot in analysis.emotion.shots:
        moods.append(ShotMood(seconds(shot.start_frame), seconds(shot.end_frame), {
            "label": shot.label, "valence": round(shot.valence, 4), "arousal": round(shot.arousal, 4),
            "confidence": round(shot.confidence, 4)}))
    return moods


def frame_seconds(path: str, video):
    """Frame index -> seconds from the first frame. Shot frames are indices: a VFR file's
    frame is placed by its real presentation time (as exports place it, through
    engine.timeline.conform), a constant-rate file's by index / rate."""
    rate = Fraction(video.frame_rate)
    if getattr(video, "is_vfr", False):
        from engine.timeline.conform import frame_times

        found = frame_times(path)
        if found is not None:
            times, _typical, end = found
            return lambda index: times[index] if 0 <= index < len(times) else (end if index > 0 else Fraction(0))
    return lambda index: Fraction(index) / rate


def propose(paths: list[str], timeline, count: int = 3, duration_s: float | None = None,
            arc: str = "rising"):
    """Up to ``count`` edit proposals from the analysed ``paths``, as long as the editor's cut
    (or ``duration_s``); returns (timelines, notes for the report)."""
    from engine.edit.from_analysis import proposals_job
    from engine.jobs import drive
    from engine.media import MediaError

    if count <= 0:
        return [], []
    length = duration_s
    if not length:
        # As long as the editor's cut, but with room to choose: a cut that uses all its
        # footage leaves the proposer nothing to leave out.
        from engine.media import probe

        footage = 0.0
        for path in paths:
            try:
                footage += probe(path).duration
            except (MediaError, OSError):
                pass
        length = min(timeline.duration().to_seconds(), ROOM * footage) or timeline.duration().to_seconds()
    try:
        timelines = drive(proposals_job(paths, length, arc, alternatives=count))
    except (MediaError, OSError, ValueError) as exc:
        return [], [f"none written ({exc})"]
    return timelines, [f"{len(timelines)} written beside the cut ({arc}, {length:.1f} s)"]


def _proposer(count: int, duration_s: float | None, arc: str):
    return lambda paths, timeline: propose(paths, timeline, count, duration_s, arc)


def annotate_job(timeline: str, output: str | None = None, proposals: int = 3):
    """The app's File ▸ Annotate Timeline…: the same as the command, as a worker job
    (proposals as long as the editor's cut, rising arc, written into the same file).

    Returns:
        One line for the status bar: where it wrote and what it added.

    Raises:
        InterchangeError: the timeline cannot be read or written (the message names it).
    """
    from engine.timeline.annotate import annotate_file

    yield 0.0, f"analysing the sources of {timeline}"
    result = annotate_file(timeline, output, analyse, _proposer(proposals, None, "rising"))
    yield 1.0, "written"
    report = f" ({'; '.join(result.report)})" if result.report else ""
    return (f"Annotated {result.path}: {result.markers} emotion marker(s) and {result.peaks} arc "
            f"peak(s) from {len(result.analysed)} analysed source(s), {len(result.proposals)} "
            f"proposal(s) beside the cut{report}")


def _cmd_annotate(args: argparse.Namespace) -> int:
    from engine.timeline.annotate import annotate_file
    from engine.timeline.errors import InterchangeError

    try:
        result = annotate_file(args.timeline, args.output, analyse,
                               _proposer(args.proposals, args.duration, args.arc))
    except InterchangeError as exc:
        print(f"moviola-cli annotate: {exc}", file=sys.stderr)
        return 1
    print(f"{result.path}: {result.markers} emotion marker(s) and {result.peaks} arc peak(s) added "
          f"from {len(result.analysed)} analysed source(s)")
    for name in result.proposals:
        print(f"  + {name}")
    for line in result.report:
        print(f"  {line}")
    return 0
