"""The arc a proposal aimed for and the one it achieved, read back from its timeline."""
from __future__ import annotations

import opentimelineio as otio

from engine.timeline.model import lookup


def arc_points(timeline: otio.schema.Timeline) -> tuple[list[float], list[float], list[float]]:
    """(cut start seconds + the end, target arousal, achieved arousal) as step curves."""
    tracks = timeline.video_tracks()
    if not tracks:
        return [], [], []
    seconds, target, achieved = [], [], []
    for clip in tracks[0].find_clips():
        aim = lookup(clip, "cut", "target_arousal")
        got = lookup(clip, "emotion", "arousal")
        if aim is None or got is None:
            continue
        seconds.append(tracks[0].range_of_child(clip).start_time.to_seconds())
        target.append(float(aim))
        achieved.append(float(got))
    if seconds:  # close the last step at the end of the edit
        seconds.append(tracks[0].duration().to_seconds())
        target.append(target[-1])
        achieved.append(achieved[-1])
    return seconds, target, achieved
