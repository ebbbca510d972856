"""Playlist sound: the right length per segment, silence over gaps and silent clips."""
from __future__ import annotations

from fractions import Fraction

import numpy as np

from engine.media import probe
from engine.playback.playlist import Playlist, Segment
from engine.playback.sound import playlist_sound


def test_sound_follows_the_edit(media):
    bbb = media / "sources" / "bbb_0_30.webm"
    silent = media / "sources" / "tears_of_steel_0500.mp4"
    assert probe(bbb).audio and not probe(silent).audio
    playlist = Playlist(Fraction(24), (Segment(bbb, 240, 48, 0), Segment(silent, 0, 24, 72)), 96)
    sound = np.concatenate(list(playlist_sound(playlist, 12)), axis=1)
    assert sound.shape == (2, (96 - 12) * 2000)  # 48 kHz / 24 fps = 2000 samples a frame
    assert np.abs(sound[:, :36 * 2000]).max() > 0.01      # bbb's music
    assert np.abs(sound[:, 36 * 2000:]).max() == 0.0      # the gap, then a clip with no sound


def test_frame_peaks_follow_the_sound(media):
    from engine.playback.waveform import frame_peaks

    bbb = media / "sources" / "bbb_0_30.webm"
    silent = media / "sources" / "tears_of_steel_0500.mp4"
    playlist = Playlist(Fraction(24), (Segment(bbb, 240, 48, 0), Segment(silent, 0, 24, 48)), 72)
    peaks = frame_peaks(playlist)
    assert peaks.shape == (72,)
    assert peaks[:48].max() > 0.05 and peaks[48:].max() == 0.0
