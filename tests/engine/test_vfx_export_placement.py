"""A VFX element placed on V2 above its shot travels to Premiere and Resolve at the right frames."""
from __future__ import annotations

import numpy as np
import pytest

from engine.media import probe
from engine.shots import Shot, ShotList, Transition
from engine.timeline import rates
from engine.timeline.breakdown import breakdown
from engine.timeline.export import export_timeline
from engine.timeline.importers import import_timeline
from engine.timeline.placement import place_element


@pytest.mark.parametrize("fmt, suffix", [("premiere", ".xml"), ("resolve", ".fcpxml")])
def test_v2_element_lands_over_its_shot(media, tmp_path, fmt, suffix):
    info = probe(media / "sources" / "tears_of_steel_0500.mp4")
    n = info.video.frame_count
    shots = ShotList(info.video.frame_rate, n, [Shot(0, 64), Shot(65, 184), Shot(185, n - 1)],
                     [Transition("cut", 65, 65), Transition("cut", 185, 185)], np.zeros(n), np.zeros(n))
    timeline = breakdown(info, shots)
    element = media / "formats" / "prores_proxy.mov"  # stands in for a rendered ProRes 4444 element
    place_element(timeline, rates.time_range(65, 120, info.video.frame_rate), element)

    out = tmp_path / f"with_element{suffix}"
    export_timeline(timeline, out, fmt)
    back = import_timeline(out).timelines[0]
    tracks = back.video_tracks()
    assert len(tracks) == 2
    overlay = [c for c in tracks[1].find_clips()]
    assert len(overlay) == 1 and overlay[0].name.startswith("prores_proxy")
    placed = tracks[1].range_of_child(overlay[0])
    assert rates.frames(placed.start_time, info.video.frame_rate) == 65
    assert rates.frames(placed.duration, info.video.frame_rate) == 120
