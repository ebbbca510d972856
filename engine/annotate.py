"""`moviola-cli annotate`: the editor's own timeline back with emotion markers added.

It sits above both the analysis and the timeline packages: the timeline side
(engine.timeline.annotate) is told how to analyse a file, and this module tells it.
"""
from __future__ import annotations

import argparse
import sys
from fractions import Fraction


def register(subparsers) -> None:
    p = subparsers.add_parser("annotate", help="add emotion markers to a Premiere/Resolve timeline "
                                               "(.xml, .fcpxml, .otio) and write it back")
    p.add_argument("timeline", metavar="TIMELINE", help="the editor's .xml, .fcpxml or .otio file")
    p.add_argument("-o", "--output", default=None, metavar="OUT",
                   help="where to write (default: NAME.annotated.EXT beside it)")
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
    video = analysis.info.video
    rate = Fraction(video.frame_rate)
    moods = []
    for shot in analysis.emotion.shots:
        # Shot frames are frame indices; VFR media are timed by their real frame times
        # when written (engine.timeline.conform), here by the mean rate.
        moods.append(ShotMood(Fraction(shot.start_frame) / rate, Fraction(shot.end_frame) / rate, {
            "label": shot.label, "valence": round(shot.valence, 4), "arousal": round(shot.arousal, 4),
            "confidence": round(shot.confidence, 4)}))
    return moods


def annotate_job(timeline: str, output: str | None = None):
    """The app's File ▸ Annotate Timeline…: the same as the command, as a worker job.

    Returns:
        One line for the status bar: where it wrote and what it added.

    Raises:
        InterchangeError: the timeline cannot be read or written (the message names it).
    """
    from engine.timeline.annotate import annotate_file

    yield 0.0, f"analysing the sources of {timeline}"
    result = annotate_file(timeline, output, analyse)
    yield 1.0, "written"
    report = f" ({'; '.join(result.report)})" if result.report else ""
    return (f"Annotated {result.path}: {result.markers} emotion marker(s) and {result.peaks} arc "
            f"peak(s) from {len(result.analysed)} analysed source(s){report}")


def _cmd_annotate(args: argparse.Namespace) -> int:
    from engine.timeline.annotate import annotate_file
    from engine.timeline.errors import InterchangeError

    try:
        result = annotate_file(args.timeline, args.output, analyse)
    except InterchangeError as exc:
        print(f"moviola-cli annotate: {exc}", file=sys.stderr)
        return 1
    print(f"{result.path}: {result.markers} emotion marker(s) and {result.peaks} arc peak(s) added "
          f"from {len(result.analysed)} analysed source(s)")
    for line in result.report:
        print(f"  {line}")
    return 0
