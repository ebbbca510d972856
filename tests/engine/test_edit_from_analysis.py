"""Proposals from a real analysis: shots carry their emotion into the edit."""
from __future__ import annotations

from engine.edit.from_analysis import proposals_job
from engine.jobs import drive


def test_proposals_from_analysed_footage_carry_emotion(media):
    clips = [media / "sources" / "tears_of_steel_0500.mp4", media / "sources" / "asl_book.mkv"]
    timelines = drive(proposals_job(clips, duration_s=6, arc="rising"))
    assert len(timelines) == 3
    clips_used = list(timelines[0].video_tracks()[0].find_clips())
    assert clips_used
    from engine.affect.labels import LABELS

    labels = {c.metadata["moviola"]["emotion"]["label"] for c in clips_used}
    assert labels <= set(LABELS)
    # Real scores, not the adapter's defaults ("neutral" is a real label now; an unscored
    # shot sits exactly at valence 0, arousal 0.5).
    assert all((c.metadata["moviola"]["emotion"]["valence"], c.metadata["moviola"]["emotion"]["arousal"])
               != (0.0, 0.5) for c in clips_used)
    assert timelines[0].metadata["moviola"]["explanation"]
    seconds = timelines[0].video_tracks()[0].duration().to_seconds()
    assert 3 <= seconds <= 12
