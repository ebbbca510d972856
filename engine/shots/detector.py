"""Shot detection jobs: decode (in a thread) -> pre-pass -> TransNetV2 -> typed transitions."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from fractions import Fraction
from os import PathLike
from pathlib import Path

import numpy as np

from engine.jobs import Job, drive
from engine.media import FrameReader, MediaError
from engine.media.prefetch import prefetched

from .boundaries import Thresholds, find_transitions
from .network import INPUT_SIZE, needs_preparing, pick_device, shared_network
from .result import ShotList, shots_between
from .scoring import FrameScorer, ScoringPlan

ANALYSER = "shots"
#: Bump whenever the detector's output for the same file would change.
VERSION = "1"
_BATCH = 64  # frames handed from the decode thread at a time
_DEFAULT_CACHE = object()


def default_plan(device: str) -> ScoringPlan:
    """Gate and small windows on CPU (network-bound); plain wide windows on a GPU."""
    if device.startswith("cuda"):
        return ScoringPlan(gate=False, context=25, window=100)
    return ScoringPlan()


def detect_in_frames(frames: Iterable[np.ndarray], fps: Fraction = Fraction(24),
                     network=None, plan: ScoringPlan | None = None,
                     thresholds: Thresholds = Thresholds()) -> ShotList:
    """Shots in frames already decoded to 48x27 RGB (the frame-level entry point).

    Args:
        frames: (k, 27, 48, 3) uint8 batches, or single (27, 48, 3) frames.
        fps: Frame rate to record in the result.
        network: A loaded `Network`; the process-wide one by default.
        plan: How the network is applied; by device by default.
        thresholds: Decision thresholds.
    """
    network = network or shared_network(pick_device())
    scorer = FrameScorer(network, plan or default_plan(network.device))
    for batch in frames:
        batch = np.asarray(batch, np.uint8)
        scorer.push(batch[None] if batch.ndim == 3 else batch)
    return _result(scorer, fps, [], thresholds)


def shots_job(path: str | PathLike[str], cache=_DEFAULT_CACHE, device: str | None = None,
              plan: ScoringPlan | None = None, thresholds: Thresholds = Thresholds(),
              feed=None) -> Job[ShotList]:
    """Finds the shots of one video file; a generator yielding (fraction, message).

    The result is the generator's return value (``engine.jobs.drive`` runs it). Closing
    the generator between yields cancels it. A file that stops decoding midway keeps
    the shots found so far, with the problem in ``warnings``.

    Args:
        path: The video file.
        cache: An `AnalysisCache`; the user's cache by default, None for no caching.
        device: "cuda", "cpu", ...; the best available by default.
        plan: How the network is applied; by device by default.
        thresholds: Decision thresholds.
        feed: Another analyser that takes every decoded frame as well, so the file is
            decoded once for both: its ``picture`` says what second picture the reader
            makes (``FrameReader(also=...)``), and ``push_frame`` takes each frame.
            Not fed when the shots come from the cache.

    Raises:
        MediaError: the file is not readable video at all.
    """
    path = Path(path)
    if cache is _DEFAULT_CACHE:
        from engine.cache.store import AnalysisCache

        cache = AnalysisCache()
    key = None
    if cache is not None:
        from engine.cache.fingerprint import fingerprint

        key = fingerprint(path)
        hit = cache.get(key, ANALYSER, VERSION)
        if hit is not None:
            yield 1.0, f"{path.name}: shots from the cache"
            return ShotList.from_cache(hit)

    device = device or pick_device()
    if needs_preparing(device):
        yield 0.0, f"{path.name}: preparing the shot model for this computer (once, about half a minute)"
    else:
        yield 0.0, f"{path.name}: loading the shot model"
    network = shared_network(device)
    scorer = FrameScorer(network, plan or default_plan(network.device))
    also = feed.picture if feed is not None else None
    with FrameReader(path, size=INPUT_SIZE, pix_fmt="rgb24", also=also) as reader:
        total = max(reader.info.video.frame_count or 0, 1)
        fps = Fraction(reader.info.video.frame_rate or 0)
        problems: list[str] = []
        with prefetched(_batches(reader, problems), depth=8, name="shots-decode") as batches:
            for batch, decoded in batches:
                scorer.push(batch)
                if feed is not None:
                    for frame in decoded:
                        feed.push_frame(frame)
                yield min(scorer.scored / total, 0.99), f"{path.name}: frame {scorer.scored} of {total}"
        if scorer.received == 0:
            raise MediaError(path, problems[0] if problems else "no video frame could be decoded")
        result = _result(scorer, fps, list(reader.warnings) + problems, thresholds)
    if cache is not None and not result.warnings:
        # Damaged or cut-short results are not kept: a repaired copy may share the key.
        cache.put(key, ANALYSER, VERSION, result.to_cache())
    yield 1.0, f"{path.name}: {len(result.shots)} shots"
    return result


def detect_shots(path: str | PathLike[str], progress: Callable[[float, str], None] | None = None,
                 cancel: threading.Event | None = None, **options) -> ShotList:
    """Blocking form of `shots_job`; raises `engine.jobs.Cancelled` when ``cancel`` is set."""
    return drive(shots_job(path, **options), progress, cancel)


def _result(scorer: FrameScorer, fps: Fraction, warnings: list[str], thresholds: Thresholds) -> ShotList:
    single, many, luma, thumbs = scorer.finish()
    transitions = find_transitions(single, many, luma, thumbs, thresholds)
    return ShotList(fps=fps, frame_count=len(luma), shots=shots_between(transitions, len(luma), luma),
                    transitions=transitions, single=single, many=many, warnings=warnings)


def _batches(reader: FrameReader, problems: list[str]) -> Iterator[tuple[np.ndarray, list]]:
    """(k, 27, 48, 3) batches in frame order, with the frames decoded for them, for the
    prefetch thread.

    Frames the decoder lost are replaced by the frame before, so frame numbers stay those
    of the file and a gap never looks like a cut. A decode failure ends the batches and is
    added to ``problems``; what decoded before it is kept.
    """
    batch: list[np.ndarray] = []
    decoded: list = []
    last, expected = None, 0
    try:
        for frame in reader.frames():
            if frame.index > expected:
                batch.extend([frame.image if last is None else last] * (frame.index - expected))
            batch.append(frame.image)
            decoded.append(frame)
            last, expected = frame.image, frame.index + 1
            if len(batch) >= _BATCH:
                yield np.stack(batch), decoded
                batch, decoded = [], []
    except Exception as exc:  # noqa: BLE001 - whatever stops the decoder, keep what we have
        problems.append(f"decoding stopped after frame {expected - 1}: {exc}")
    if batch:
        yield np.stack(batch), decoded
