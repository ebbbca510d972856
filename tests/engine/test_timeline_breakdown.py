"""A shot breakdown exports to Premiere and reads back with every shot on its frames."""
from __future__ import annotations

from engine.media import probe
from engine.shots import Shot, ShotList, Transition
from engine.timeline.breakdown import breakdown
from engine.timeline.export import export_timeline
from engine.timeline.importers import import_timeline


def test_breakdown_round_trips_through_premiere_xml(media, tmp_path):
    import numpy as np
    info = probe(media / "formats" / "h264_23.976fps_timecode.mov")
    n = info.video.frame_count
    shots = ShotList(fps=info.video.frame_rate, frame_count=n,
                     shots=[Shot(0, 39), Shot(30, n - 1)],
                     transitions=[Transition("dissolve", 30, 39)],
                     single=np.zeros(n), many=np.zeros(n))
    emotions = [{"label": "calm", "valence": 0.2, "arousal": 0.1, "confidence": 0.7}, None]
    timeline = breakdown(info, shots, emotions)
    clips = list(timeline.video_tracks()[0])
    assert [c.source_range.duration.value for c in clips] == [30, n - 30]
    # the source range starts at the file's timecode, 00:59:58:00 at 23.976
    assert clips[0].source_range.start_time.value == (59 * 60 + 58) * 24

    out = tmp_path / "shots.xml"
    export_timeline(timeline, out, "premiere")
    back = import_timeline(out).timelines[0]
    again = list(back.video_tracks()[0])
    assert [(c.source_range.start_time.value, c.source_range.duration.value) for c in again] == \
           [(c.source_range.start_time.value, c.source_range.duration.value) for c in clips]
    assert again[0].metadata["moviola"]["emotion"]["label"] == "calm"
