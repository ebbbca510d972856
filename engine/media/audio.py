"""Decoded sound as float32 sample arrays at the rate and channel count analysis wants."""
from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterator
from fractions import Fraction
from os import PathLike
from pathlib import Path

import av
import numpy as np

from . import container as _container
from .errors import MediaError

log = logging.getLogger(__name__)

# Packets in a row that fail to decode before the sound is declared unreadable.
MAX_CONSECUTIVE_ERRORS = 50
# Sound may run this far ahead of its timestamps before silence is put in: above the
# packet timestamp jitter of real encodes (about 11 ms in the shared AAC and Vorbis
# files), below what a viewer notices as lip-sync error.
_MAX_DRIFT = Fraction(40, 1000)
# Longer gaps are taken for broken timestamps, not lost sound: filling them could mean
# allocating hours of silence.
_MAX_GAP = 60


def iter_audio(
    path: str | PathLike[str], sample_rate: int = 48000, channels: int = 2, chunk_seconds: float = 1.0,
    start: float = 0.0, tap: tuple[int, int, Callable[[np.ndarray], None]] | None = None,
) -> Iterator[np.ndarray]:
    """Sound of ``path`` in chunks of ``chunk_seconds`` (the last one shorter).

    Samples sit where their timestamps put them, so sound stays in sync with
    ``Frame.time``: sample 0 is the start of the file's timeline (a later-starting
    stream is preceded by silence) and packets that are missing or fail to decode
    leave silence rather than pulling the rest earlier. Channels are mixed by
    FFmpeg's resampler (e.g. 5.1 down to stereo).

    Args:
        sample_rate: Output rate in Hz.
        channels: Output channels, in FFmpeg's default layout for that count.
        chunk_seconds: Length of each chunk.
        start: Seconds on the file's timeline where the first sample is taken (playback
            starting mid-file seeks instead of decoding from the top).
        tap: (sample_rate, channels, take): the same sound in a second format from the
            same decode, so that two analysers share it; ``take`` gets its chunks (of
            ``chunk_seconds``, the same arrays a separate call in that format yields) as
            they are made, the last one when the iteration ends.

    Yields:
        float32 arrays of shape (channels, n), C-contiguous.

    Raises:
        MediaError: unreadable file, "no audio stream" or no decoder (raised by this
            call, before iteration), or sound that stops decoding altogether.
    """
    if min(sample_rate, channels, *(tap[:2] if tap else ())) < 1 or chunk_seconds <= 0:
        raise ValueError("sample_rates, channels and chunk_seconds must be positive")
    path = Path(path)
    source = _container.open_input(path)
    stream = _container.audio_stream(source)
    if stream is None or stream.codec_context is None:
        source.close()
        problem = "no audio stream" if stream is None else f"no decoder for audio codec '{_container.codec_name(stream)}'"
        raise MediaError(path, problem)
    outputs = [_Output(sample_rate, channels, chunk_seconds)]
    if tap is not None:
        outputs.append(_Output(tap[0], tap[1], chunk_seconds, tap[2]))
    return _chunks(path, source, stream, outputs, Fraction(start).limit_denominator(10**6))


def read_audio(path: str | PathLike[str], sample_rate: int = 48000, channels: int = 2) -> np.ndarray:
    """All the sound of ``path`` as one float32 array of shape (channels, n)."""
    parts = list(iter_audio(path, sample_rate, channels, chunk_seconds=60.0))
    return np.concatenate(parts, axis=1) if parts else np.zeros((channels, 0), np.float32)


class _Output:
    """One format the decoded sound is resampled to, with its own chunking; chunks of a tap
    go to ``take``, the primary's are yielded."""

    def __init__(self, sample_rate: int, channels: int, chunk_seconds: float, take=None):
        self.rate = sample_rate
        self.resampler = av.AudioResampler(format="fltp", layout=f"{channels}c", rate=sample_rate)
        self.buffer = _Buffer(max(1, round(chunk_seconds * sample_rate)))
        self.take = take

    def feed(self, piece: av.AudioFrame | None) -> Iterator[np.ndarray]:
        """Chunks completed by ``piece`` (None: flush the resampler and the buffer)."""
        chunks = (c for out in self.resampler.resample(piece) for c in self.buffer.push(out.to_ndarray()))
        if piece is None:
            chunks = itertools.chain(chunks, self.buffer.rest())
        if self.take is None:
            yield from chunks
        else:
            for chunk in chunks:
                self.take(chunk)


def _chunks(path: Path, source, stream, outputs: list[_Output], start: Fraction = Fraction(0)) -> Iterator[np.ndarray]:
    tb = stream.time_base
    origin = _container.origin_ticks(source, stream)
    written = Fraction(0)  # timeline seconds that the sound fed so far reaches
    first = True
    with source:
        _container.only_read(source, stream)
        if start > 0:
            # Lands on or before `start`; what comes before it is dropped like priming below.
            source.seek(int(origin + start / tb), stream=stream, backward=True)
        for frame in _decoded(path, source, stream):
            pieces = [frame]
            if frame.pts is not None:
                at = (frame.pts - origin) * tb - start
                if first and at < 0:
                    # Sound before the timeline origin (encoder priming left in): drop it.
                    for out in outputs:
                        out.buffer.skip = round(-at * out.rate)
                    written = at
                elif at - written > _MAX_GAP:
                    log.warning("%s: sound timestamps jump %.1f s; not filled", path.name, at - written)
                    written = at
                elif at - written > (0 if first else _MAX_DRIFT):
                    pieces.insert(0, _silence(frame, round((at - written) * frame.sample_rate)))
                    written = at
            first = False
            written += Fraction(frame.samples, frame.sample_rate)
            for piece in pieces:
                for out in outputs:
                    yield from out.feed(piece)
        for out in outputs:
            yield from out.feed(None)


def _decoded(path: Path, source, stream) -> Iterator[av.AudioFrame]:
    """Decoded audio frames; bad packets are skipped (their time becomes a gap) and logged."""
    consecutive = errors = 0
    try:
        for packet in source.demux(stream):
            try:
                frames = packet.decode()
            except av.FFmpegError as exc:
                consecutive += 1
                errors += 1
                if errors == 1:
                    log.warning("%s: audio decode error: %s", path.name, exc.strerror or exc)
                if consecutive >= MAX_CONSECUTIVE_ERRORS:
                    raise MediaError(path, f"audio undecodable: {consecutive} bad packets in a row") from None
                continue
            consecutive = 0
            yield from frames
    except av.FFmpegError as exc:
        log.warning("%s: audio read error, sound ends early: %s", path.name, exc.strerror or exc)
    if errors > 1:
        log.warning("%s: %d audio packets could not be decoded; silence put in their place", path.name, errors)


def _silence(like: av.AudioFrame, samples: int) -> av.AudioFrame:
    """A frame of digital silence in the format of ``like``."""
    frame = av.AudioFrame(format=like.format.name, layout=like.layout.name, samples=samples)
    for plane in frame.planes:
        memoryview(plane).cast("B")[:] = bytes(plane.buffer_size)
    frame.sample_rate = like.sample_rate
    return frame


class _Buffer:
    """Regroups arbitrary runs of samples into chunks of one size."""

    def __init__(self, size: int):
        self.size = size
        self.skip = 0  # samples still to drop from the front
        self._parts: list[np.ndarray] = []
        self._held = 0

    def push(self, samples: np.ndarray) -> Iterator[np.ndarray]:
        if self.skip:
            dropped = min(self.skip, samples.shape[1])
            samples, self.skip = samples[:, dropped:], self.skip - dropped
        self._parts.append(samples)
        self._held += samples.shape[1]
        if self._held < self.size:
            return
        joined = np.concatenate(self._parts, axis=1)
        full = self._held - self._held % self.size
        for start in range(0, full, self.size):
            yield np.ascontiguousarray(joined[:, start : start + self.size])
        self._parts, self._held = [joined[:, full:]], self._held - full

    def rest(self) -> Iterator[np.ndarray]:
        if self._held:
            yield np.ascontiguousarray(np.concatenate(self._parts, axis=1))
