"""Decoding ahead of the playhead, in a thread of its own, into a small frame queue.

The GUI asks for "the frame due now" and never waits: if decoding is behind it gets the
newest frame it has (and the caller counts the ones it skipped as dropped).
"""
from __future__ import annotations

import collections
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.media import FrameReader, MediaError, probe
from engine.media.thumbnail import fit_width
from engine.playback.playlist import Playlist

log = logging.getLogger(__name__)
READERS_KEPT = 3  # a proposal alternates between a few files; each reader holds a decoder
# Recently decoded pictures kept for stepping and playing backwards, where each new frame
# would otherwise mean a seek and a decode from the previous keyframe.
FRAMES_KEPT = 96


@dataclass(frozen=True)
class ShownFrame:
    """A record frame ready to show; `image` is None over a gap or an unreadable file."""

    record_frame: int
    image: np.ndarray | None
    problem: str | None = None


class FrameFeeder:
    """Decodes `playlist` frames at `size` from a start frame in a direction, `depth` ahead.

    Thread-safe: `play`, `still`, `take` and `close` may be called from any one thread (the
    GUI's) while the feeder's own thread decodes.
    """

    def __init__(self, playlist: Playlist, width: int = 960, depth: int = 8) -> None:
        self.playlist = playlist
        self.width = width
        self.depth = depth
        self._cond = threading.Condition()
        self._queue: collections.deque[ShownFrame] = collections.deque()
        self._generation = 0
        self._next = 0          # next record frame to decode
        self._step = 0          # +1 forward, -1 reverse, 0 idle
        self._remaining = 0     # frames still to decode for a still request
        self._closed = False
        self._readers: collections.OrderedDict[Path, FrameReader] = collections.OrderedDict()
        self._recent: collections.OrderedDict[tuple[Path, int], np.ndarray] = collections.OrderedDict()
        self._thread = threading.Thread(target=self._run, name="moviola-frame-feeder", daemon=True)
        self._thread.start()

    # -- requests (GUI thread) ---------------------------------------------------------------
    def play(self, start: int, step: int = 1) -> None:
        """Decode continuously from `start`, one frame per `step` (negative plays backwards)."""
        self._restart(start, step, remaining=-1)

    def still(self, frame: int) -> None:
        """Decode just `frame` (pause, scrub, step)."""
        self._restart(frame, 1, remaining=1)

    def take(self, due: int) -> tuple[ShownFrame | None, int]:
        """The newest decoded frame not later than `due` (in play direction), and how many
        older ones were skipped to reach it."""
        with self._cond:
            best, skipped = None, 0
            direction = self._step or 1
            while self._queue and (self._queue[0].record_frame - due) * direction <= 0:
                if best is not None:
                    skipped += 1
                best = self._queue.popleft()
            if best is not None:
                self._cond.notify_all()
            return best, skipped

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join(timeout=5)
        for reader in self._readers.values():
            reader.close()
        self._readers.clear()

    # -- decoder thread ----------------------------------------------------------------------
    def _restart(self, start: int, step: int, remaining: int) -> None:
        with self._cond:
            self._generation += 1
            self._queue.clear()
            self._next, self._step, self._remaining = start, step, remaining
            self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._closed and (self._remaining == 0 or len(self._queue) >= self.depth
                                            or not 0 <= self._next < self.playlist.length):
                    self._cond.wait()
                if self._closed:
                    return
                generation, frame = self._generation, self._next
            shown = self._decode(frame)
            with self._cond:
                if generation != self._generation:
                    continue  # the playhead jumped while we decoded: drop it
                self._queue.append(shown)
                self._next = frame + self._step
                if self._remaining > 0:
                    self._remaining -= 1
                self._cond.notify_all()

    def _decode(self, record_frame: int) -> ShownFrame:
        located = self.playlist.locate(record_frame)
        if located is None:
            return ShownFrame(record_frame, None)
        segment, source_frame = located
        key = (segment.path, source_frame)
        image = self._recent.get(key)
        if image is None:
            try:
                image = self._reader(segment.path).read(source_frame).image
            except (MediaError, IndexError, ValueError) as exc:
                return ShownFrame(record_frame, None, str(exc))
            self._recent[key] = image
            while len(self._recent) > FRAMES_KEPT:
                self._recent.popitem(last=False)
        else:
            self._recent.move_to_end(key)
        return ShownFrame(record_frame, image)

    def _reader(self, path: Path) -> FrameReader:
        reader = self._readers.pop(path, None)
        if reader is None:
            info = probe(path)
            reader = FrameReader(path, size=fit_width(info, min(self.width, info.video.width)))
        self._readers[path] = reader
        while len(self._readers) > READERS_KEPT:
            self._readers.popitem(last=False)[1].close()
        return reader
