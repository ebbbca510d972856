"""Beat-following proposals and the timeline a proposal becomes."""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import opentimelineio as otio
import pytest
from scipy.io import wavfile

from engine.edit import music_beats, proposal_timeline, propose
from engine.project import Project
from engine.timeline import model, rates
from tests.engine.test_edit_proposals import synthetic_shots

BPM = 120


@pytest.fixture(scope="module")
def click_track(tmp_path_factory):
    """40 s of clicks at 120 bpm: a beat every 12 frames at 24 fps."""
    sr = 22050
    audio = np.zeros(sr * 40, np.float32)
    click = (np.sin(2 * np.pi * 1000 * np.arange(400) / sr) * np.exp(-np.arange(400) / 80)).astype(np.float32)
    for start in range(0, len(audio) - 400, sr * 60 // BPM):
        audio[start:start + 400] += click
    path = tmp_path_factory.mktemp("music") / "clicks.wav"
    wavfile.write(path, sr, (audio * 20000).astype(np.int16))
    return path


def test_beats_are_found(click_track):
    music = music_beats(click_track, Fraction(24))
    assert abs(music.tempo_bpm - BPM) < 3
    assert len(music.beat_frames) > 60
    assert np.median(np.diff(music.beat_frames)) == 12


def test_every_cut_of_a_beat_proposal_is_on_a_beat(click_track):
    music = music_beats(click_track, Fraction(24))
    beats = set(music.beat_frames.tolist())
    shots = synthetic_shots(seed=6)
    for p in propose(shots, 30, "trailer", music=music):
        cuts = [c.record_start for c in p.cuts[1:]] + [p.duration_frames]
        assert all(f in beats for f in cuts), [f for f in cuts if f not in beats]
        assert abs(p.duration_frames - 30 * 24) <= 12
        assert all("on the beat" in c.reason for c in p.cuts)


def test_timeline_tracks_markers_and_project(click_track):
    shots = synthetic_shots(seed=7)
    p = propose(shots, 20, "rising", music=click_track, alternatives=1)[0]
    t = proposal_timeline(p)
    assert [tr.name for tr in t.tracks] == ["V1", "A1", "A2"]
    v1, a1, a2 = t.tracks
    assert len(v1) == len(p.cuts) == len(a1)
    assert model.timeline_rate(t) == 24
    for clip, cut in zip(v1, p.cuts):
        assert rates.frames(clip.source_range.start_time, 24) == cut.source_start
        assert rates.frames(clip.source_range.duration, 24) == cut.record_frames
        assert model.clip_emotion(clip)["label"] == cut.shot.label
        (marker,) = clip.markers
        assert cut.shot.label in marker.name and marker.comment == cut.reason
        assert model.lookup(marker, "emotion", "label") == cut.shot.label
    assert rates.frames(a2.duration(), 24) == p.duration_frames
    assert a2[0].media_reference.target_url.endswith("clicks.wav")
    project = Project()
    project.timelines.append(t)
    assert project.timelines[0] is t
    text = otio.adapters.write_to_string(t, "otio_json")
    again = otio.adapters.read_from_string(text, "otio_json")
    assert model.lookup(again.tracks[0][0], "cut", "reason") == p.cuts[0].reason
