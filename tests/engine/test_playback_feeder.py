"""The playback feeder decodes ahead in its own thread: right frames, both directions."""
from __future__ import annotations

import time

import numpy as np
import pytest

from engine.media import FrameReader, probe
from engine.media.thumbnail import fit_width
from engine.playback import FrameFeeder, Playlist


def _wait(feeder, due, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        shown, skipped = feeder.take(due)
        if shown is not None:
            return shown, skipped
        time.sleep(0.005)
    raise AssertionError(f"frame {due} never arrived")


@pytest.fixture
def clip(media):
    return media / "sources" / "tears_of_steel_0500.mp4"


def test_plays_forward_backward_and_stills_with_the_right_pictures(clip):
    info = probe(clip)
    with FrameReader(clip, size=fit_width(info, 320)) as reader:
        expected = {i: reader.read(i).image for i in (18, 19, 20, 21, 22, 100)}
    feeder = FrameFeeder(Playlist.from_clip(info), width=320, depth=4)
    try:
        feeder.play(18)
        for due in (18, 19, 20, 21, 22):
            shown, skipped = _wait(feeder, due)
            assert (shown.record_frame, skipped) == (due, 0)
            assert np.array_equal(shown.image, expected[due])
        feeder.play(22, step=-1)
        assert [(_wait(feeder, due)[0].record_frame) for due in (22, 21, 20)] == [22, 21, 20]
        feeder.still(100)
        shown, _ = _wait(feeder, 100)
        assert np.array_equal(shown.image, expected[100])
    finally:
        feeder.close()


def test_late_consumer_gets_the_newest_due_frame_and_counts_skips(clip):
    feeder = FrameFeeder(Playlist.from_clip(probe(clip)), width=160, depth=8)
    try:
        feeder.play(0)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(feeder._queue) < 8:
            time.sleep(0.01)
        shown, skipped = feeder.take(5)
        assert (shown.record_frame, skipped) == (5, 5)
    finally:
        feeder.close()


def test_stepping_back_over_played_frames_decodes_nothing_again(clip):
    info = probe(clip)
    feeder = FrameFeeder(Playlist.from_clip(info), width=160, depth=4)
    try:
        feeder.play(30)
        for due in range(30, 40):
            _wait(feeder, due)
        feeder.still(39)  # pause: the read-ahead stops
        _wait(feeder, 39)
        time.sleep(0.3)  # a decode already under way when paused finishes and is dropped
        reader = feeder._readers[clip]
        decoded = reader.frames_decoded
        for frame in (38, 37, 36, 35):
            feeder.still(frame)
            assert _wait(feeder, frame)[0].record_frame == frame
        assert reader.frames_decoded == decoded
    finally:
        feeder.close()
