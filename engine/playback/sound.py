"""The sound of a playlist from any record frame, as float32 chunks (silence where none)."""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from engine.media import MediaError, iter_audio
from engine.playback.playlist import Playlist


def playlist_sound(playlist: Playlist, start_frame: int, sample_rate: int = 48000,
                   channels: int = 2, chunk_seconds: float = 0.1) -> Iterator[np.ndarray]:
    """Chunks of (channels, n) samples following the edit from `start_frame` to the end.

    Each segment contributes exactly its record length of sound, so picture and sound stay
    on the same grid across cuts; gaps and clips without sound play silence.
    """
    rate = float(playlist.rate)
    frame = start_frame
    while frame < playlist.length:
        located = playlist.locate(frame)
        if located is None:
            following = [s.record_start for s in playlist.segments if s.record_start > frame]
            end = min(following, default=playlist.length)
            yield from _silence(round((end - frame) / rate * sample_rate), channels, sample_rate, chunk_seconds)
            frame = end
            continue
        segment, source_frame = located
        wanted = round((segment.record_end - frame) / rate * sample_rate)
        try:
            chunks = iter_audio(segment.path, sample_rate, channels, chunk_seconds,
                                start=source_frame / rate)
        except MediaError:
            chunks = iter(())
        for chunk in chunks:
            if wanted <= 0:
                break
            chunk = chunk[:, :wanted]
            wanted -= chunk.shape[1]
            yield chunk
        yield from _silence(wanted, channels, sample_rate, chunk_seconds)
        frame = segment.record_end


def _silence(samples: int, channels: int, sample_rate: int, chunk_seconds: float) -> Iterator[np.ndarray]:
    step = max(1, round(chunk_seconds * sample_rate))
    while samples > 0:
        n = min(step, samples)
        yield np.zeros((channels, n), np.float32)
        samples -= n
