"""Streams frames through the cascade (cheap stage, then the network), keeping only a short history.

Frames arrive in batches; once enough frames beyond a chunk have arrived to give the
network its context, the chunk's candidate frames (``prepass``) are scored and older
frames dropped, so memory stays flat however long the film.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from . import prepass
from .boundaries import runs


def thumbnails(frames: np.ndarray) -> np.ndarray:
    """(k, 9, 16) uint8 grey thumbnails of (k, 27, 48, 3) frames.

    144 bytes a frame (25 MB for two hours at 24 fps) are enough to tell a flash from a cut.
    """
    return frames[:, 1::3, 1::3].mean(axis=3).astype(np.uint8)


@dataclass(frozen=True)
class ScoringPlan:
    """How the network is applied.

    Attributes:
        gate: Skip frames the cheap stage rules out (pays on CPU; on a GPU the network
            is nearly free and decoding is the limit, so it scores everything).
        cheap: The cheap stage's thresholds.
        context: Frames of context either side of the frames a window scores. The
            package's pipeline uses 25 in windows of 100 (half of all work is
            context); 10-12 gave the same F1 on the dev set, 16 one more false cut.
        window: Most frames one window scores; short windows also run faster per
            frame on CPU (their activations stay in cache).
        chunk: Frames scored per step (bounds memory and progress granularity).
    """

    gate: bool = True
    cheap: prepass.CheapThresholds = prepass.CheapThresholds()
    context: int = 12
    window: int = 64
    chunk: int = 512


class FrameScorer:
    """Accumulates frames and the per-frame scores (single, many, luma, cheap measures)."""

    def __init__(self, network, plan: ScoringPlan = ScoringPlan()):
        self.network = network
        self.plan = plan
        self._frames = np.zeros((0, 27, 48, 3), np.uint8)  # history from _offset on
        self._offset = 0
        self._done = 0  # frames [0, _done) are scored
        self._received = 0
        self._single: list[np.ndarray] = []
        self._many: list[np.ndarray] = []
        self._luma: list[np.ndarray] = []
        self._trigger: list[np.ndarray] = []
        self._thumbs: list[np.ndarray] = []
        self.network_frames = 0  # frames fed to the network, context included
        self.candidates = 0  # frames the cheap stage sent to the network

    @property
    def received(self) -> int:
        """Frames pushed so far."""
        return self._received

    @property
    def scored(self) -> int:
        """Frames whose scores are final."""
        return self._done

    def push(self, frames: np.ndarray) -> None:
        """Adds (k, 27, 48, 3) uint8 frames and scores whatever chunks are ready."""
        if len(frames) == 0:
            return
        measures = prepass.measure(frames, self._frames[-prepass.HISTORY:])
        self._trigger.append(prepass.triggers(measures, self.plan.cheap))
        self._luma.append(measures.luma)
        self._thumbs.append(thumbnails(frames))
        self._frames = np.concatenate((self._frames, frames))
        self._received += len(frames)
        while self._received - self._done >= self.plan.chunk + self._lookahead():
            self._score(self._done + self.plan.chunk)

    def finish(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Scores the rest; returns per-frame single, many, luma (float32) and thumbnails."""
        if self._received > self._done:
            self._score(self._received)
        cat = lambda parts: np.concatenate(parts) if parts else np.zeros(0, np.float32)  # noqa: E731
        thumbs = np.concatenate(self._thumbs) if self._thumbs else np.zeros((0, 9, 16), np.uint8)
        return cat(self._single), cat(self._many), cat(self._luma), thumbs

    def _lookahead(self) -> int:
        return self.plan.context + self.plan.cheap.pad + 2

    def _score(self, end: int) -> None:
        start, plan = self._done, self.plan
        single = np.zeros(end - start, np.float32)
        many = np.zeros(end - start, np.float32)
        if plan.gate:
            trigger = np.concatenate(self._trigger)
            pad = plan.cheap.pad
            lo = max(start - pad, 0)
            hi = min(end + pad, self._received)
            mask = prepass.widen(trigger[lo:hi], pad)[start - lo:end - lo]
        else:
            mask = np.ones(end - start, bool)
        self.candidates += int(mask.sum())
        spans = _windows(runs(mask), start, plan)
        for (a, b), (s, m) in zip(spans, self._run(spans)):
            single[a - start:b - start] = s
            many[a - start:b - start] = m
        self._single.append(single)
        self._many.append(many)
        self._done = end
        # Keep what later windows may need as context, and what the cheap stage looks back on.
        keep_from = max(end - max(plan.context + plan.cheap.pad + 2, prepass.HISTORY), 0)
        self._frames = self._frames[keep_from - self._offset:]
        self._offset = keep_from
        if len(self._trigger) > 64:
            self._trigger = [np.concatenate(self._trigger)]

    def _run(self, spans: list[tuple[int, int]]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Scores of frames [a, b) for each span, in order, batching equal windows."""
        ctx, last = self.plan.context, self._received - 1
        batch_size = max(1, getattr(self.network, "batch_size", 1))
        i = 0
        while i < len(spans):
            # Equal-length windows share a batch; ragged ones go alone.
            length = spans[i][1] - spans[i][0]
            j = i + 1
            while j < len(spans) and j - i < batch_size and spans[j][1] - spans[j][0] == length:
                j += 1
            windows = []
            for a, b in spans[i:j]:
                # Past either end of the video the edge frame repeats, as in the package.
                idx = np.clip(np.arange(a - ctx, b + ctx), 0, last) - self._offset
                windows.append(self._frames[idx])
                self.network_frames += len(idx)
            for (a, b), (s, m) in zip(spans[i:j], self.network.scores(windows)):
                yield s[ctx:ctx + b - a], m[ctx:ctx + b - a]
            i = j


def _windows(candidate_runs: list[tuple[int, int]], start: int, plan: ScoringPlan) -> list[tuple[int, int]]:
    """[a, b) frame ranges, one network window each, covering the candidate runs.

    Runs closer than two contexts apart are scored as one (the frames between cost
    less than a second pair of contexts), and a long run is split into equal windows
    of at most ``plan.window`` frames.
    """
    merged: list[list[int]] = []
    for first, last in candidate_runs:
        if merged and first - merged[-1][1] - 1 <= 2 * plan.context:
            merged[-1][1] = last
        else:
            merged.append([first, last])
    spans = []
    for first, last in merged:
        length = last - first + 1
        pieces = -(-length // plan.window)
        edges = [start + first + (length * k) // pieces for k in range(pieces + 1)]
        spans.extend(zip(edges[:-1], edges[1:]))
    return spans
