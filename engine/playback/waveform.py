"""Waveform envelopes for the timeline's audio lanes: the peak level of each frame."""
from __future__ import annotations

import numpy as np

from engine.playback.playlist import Playlist
from engine.playback.sound import playlist_sound

SAMPLE_RATE = 8000  # plenty for an envelope drawn a few pixels per frame


def frame_peaks(playlist: Playlist) -> np.ndarray:
    """Peak absolute level (0..1) of the playlist's sound in each record frame."""
    per_frame = SAMPLE_RATE / float(playlist.rate)
    sound = [chunk.max(axis=0) if chunk.size else chunk.reshape(-1)
             for chunk in playlist_sound(playlist, 0, SAMPLE_RATE, channels=2, chunk_seconds=1.0)]
    samples = np.abs(np.concatenate(sound)) if sound else np.zeros(0, np.float32)
    edges = np.round(np.arange(playlist.length + 1) * per_frame).astype(int)
    edges = np.minimum(edges, len(samples))
    peaks = np.zeros(playlist.length, np.float32)
    nonempty = edges[1:] > edges[:-1]
    if samples.size and nonempty.any():
        peaks[nonempty] = np.maximum.reduceat(samples, edges[:-1][nonempty])
    return np.clip(peaks, 0.0, 1.0)
