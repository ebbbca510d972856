"""Per-frame picture and motion measurements, made without knowing the shots.

``PictureMeter`` takes every frame of a file (or of some ranges of it) at analysis size,
in order, and keeps what the per-shot analysers need: picture statistics and optical
flow for every frame, and a sparse grid of frames (``GRID_PER_SECOND``) spooled as
JPEG to a temporary file, from which each shot's face, palette and look samples are
taken once the shots are known. Faces found on a grid frame are kept, so the emotion
features and the proposer's cut facts share one detection.

Not needing the shots lets the shot detector's decode feed it (one decode for every
analyser); fed the frames of a few shots, it gives those shots the same measurements,
because nothing it keeps depends on where it started except the flow of a range's
first frame, which is a shot's first frame, whose flow is never kept.

What the meter holds stays small over a long file: per frame only a dozen floats; the
grid frames (about 25 kB each, 4 a second: ~350 MB an hour) wait on disk, in a nameless
temporary file in the cache folder, made with the first grid frame and gone when the
meter closes (or the process ends).
"""
from __future__ import annotations

import math
import os
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from fractions import Fraction

import cv2
import numpy as np

from engine.jobs import Job
from engine.media import FrameReader
from engine.media.prefetch import prefetched
from engine.settings import cache_dir

from .faces import DOWNSCALED_MIN_NEIGHBORS, MIN_SIZE, FaceDetector, fer_crops
from .motion import FLOW_WIDTH, FlowMeter, split_motion
from .picture import FRAME_STATS, frame_stats

STATS_WIDTH = 160
#: Frames a second kept for face and palette samples (a shot shorter than a quarter
#: second may get none: it is a flash, not a shot anyone reads a face in).
GRID_PER_SECOND = 4
# Faces are looked for every half second of a shot, at least twice, for the proposer's
# cut facts, and on at most 8 frames a shot, one every ~2 s, for the emotion features
# (a frame both use is looked at once). The cascade costs ~20-30 ms a 320-wide frame,
# every other measurement ~1 ms.
FACE_LOOK_EVERY_S = 0.5
FACE_EVERY_S = 2.0
MAX_FACE_SAMPLES = 8
MAX_FACES = 4
_FACE_CHUNK = 256  # grid frames read back from the spool at a time
PALETTE_SAMPLES = 3
# JPEG at this quality moves a 320-wide frame's pixels by ~1 grey level: the face cascade
# and the palette see through it, and a frame costs ~25 kB instead of ~170 kB.
_JPEG_QUALITY = 95
# swscale's bilinear filter widens with the scale factor, so it does not alias when
# shrinking; at 1280x720 -> 320x180 it costs 0.8 ms a frame, area 2.0 ms.
INTERPOLATION = "bilinear"
_GROW = 4096  # frames the per-frame arrays grow by when a file runs past its probed length
_SPLIT_BATCH = 64  # flow fields split into camera and subject motion at a time (motion.split_motion)


@dataclass
class Samples:
    """One shot's sampled frames and what was found on them."""

    face_frames: list[int]
    palette_frames: list[int]
    faces: list[list] = field(default_factory=list)   # per face frame: list of Face
    crops: list[np.ndarray] = field(default_factory=list)
    swatches: list[np.ndarray] = field(default_factory=list)


def grid_step(fps: float) -> int:
    """Frames between grid frames; grid frames are those whose index divides by it."""
    return max(1, round(float(fps) / GRID_PER_SECOND))


def pick(frames: list[int], count: int) -> list[int]:
    """``count`` of ``frames`` spread evenly (all of them when there are fewer)."""
    if count >= len(frames):
        return list(frames)
    return [frames[int((k + 0.5) * len(frames) / count)] for k in range(count)]


def nearest(frames: list[int], first: int, last: int, count: int) -> list[int]:
    """Of ``frames``, those nearest to ``count`` points spread evenly over ``first..last``."""
    if not frames:
        return []
    points = [first + (k + 0.5) * (last - first + 1) / count for k in range(count)]
    return sorted({min(frames, key=lambda f: abs(f + 0.5 - p)) for p in points})


class PictureMeter:
    """Takes frames in order (``push``), then answers for shots (``per_frame``, ``samples``,
    ``faces``, ``grid_frame``).

    Attributes:
        size: (width, height) of the frames it takes.
        decoded: Frames pushed.
        warnings: Problems the decoder that fed it met (damaged results are not cached).
    """

    def __init__(self, fps: Fraction, size: tuple[int, int], frame_count: int = 0):
        self.fps = Fraction(fps)
        self.size = (int(size[0]), int(size[1]))
        self.step = grid_step(float(self.fps))
        self.decoded = 0
        self.warnings: list[str] = []
        w, h = self.size
        self._stats_size = (STATS_WIDTH, max(2, round(h * STATS_WIDTH / w)))
        self._flow_size = (FLOW_WIDTH, max(2, round(h * FLOW_WIDTH / w)))
        self._stats = np.full((max(frame_count, 1), len(FRAME_STATS)), np.nan)
        self._flow = np.full((max(frame_count, 1), 4), np.nan)  # total, camera, subject, change
        self._times = np.full(max(frame_count, 1), np.nan)
        self._flow_meter = FlowMeter()
        self._flows: list[tuple[int, np.ndarray]] = []  # (frame, flow field) not yet split
        self._last = -2
        self._spool = None  # made with the first grid frame: an analysis from the cache needs none
        self._grid: dict[int, tuple[int, int]] = {}  # frame -> (offset, length) in the spool
        self._faces: dict[int, tuple[list, np.ndarray | None]] = {}  # frame -> (faces, crops)
        self._local = threading.local()

    # -- taking frames ---------------------------------------------------------------

    def push(self, index: int, time: float, image: np.ndarray) -> None:
        """One BGR frame at ``size``; frames come in order, ranges may leave gaps."""
        if index >= len(self._times):
            self._grow(index + _GROW)
        if index != self._last + 1:
            self._flow_meter = FlowMeter()  # a gap: flow must not measure across it
        self._last = index
        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        small = cv2.resize(image, self._stats_size, interpolation=cv2.INTER_AREA)
        self._stats[index] = frame_stats(small, gray)
        measured = self._flow_meter.push(cv2.resize(gray, self._flow_size, interpolation=cv2.INTER_AREA))
        if measured is not None:
            flow, self._flow[index, 3] = measured
            self._flows.append((index, flow))
            if len(self._flows) >= _SPLIT_BATCH:
                self._split_flows()
        self._times[index] = time
        if index % self.step == 0:
            ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, _JPEG_QUALITY])
            if ok:
                if self._spool is None:
                    # In the cache folder, on disk: /tmp is often a RAM disk on Linux workstations.
                    folder = cache_dir()
                    folder.mkdir(parents=True, exist_ok=True)
                    self._spool = tempfile.TemporaryFile(prefix="moviola-grid-", dir=folder)
                self._grid[index] = (self._spool.tell(), len(jpeg))
                self._spool.write(jpeg.tobytes())
        self.decoded += 1

    def push_frame(self, frame) -> None:
        """A ``Frame`` from a reader whose second picture (``Frame.also``) is this meter's."""
        self.push(frame.index, frame.time, frame.also)

    @property
    def picture(self) -> tuple[tuple[int, int], str, str]:
        """What a reader feeding ``push_frame`` must make (``FrameReader(also=...)``)."""
        return self.size, "bgr24", INTERPOLATION

    def decode(self, path, ranges: list[tuple[int, int]]) -> Job[None]:
        """Decode frames ``a <= index < b`` of each range of ``path`` into the meter
        (in a thread, so decoding overlaps the measurements); yields (fraction, message)."""
        size, pix_fmt, interpolation = self.picture
        total = sum(b - a for a, b in ranges)
        done = 0
        with FrameReader(path, size=size, pix_fmt=pix_fmt, interpolation=interpolation) as reader:
            for a, b in ranges:
                with prefetched(reader.frames(a, b), depth=16, name="picture-decode") as frames:
                    for frame in frames:
                        self.push(frame.index, frame.time, frame.image)
                        done += 1
                        if done % 32 == 0:
                            yield done / max(total, 1), f"{reader.path.name}: frame {done} of {total}"
                if frames.error is not None:
                    reader.warnings.append(f"decoding stopped in frames {a}..{b - 1}: {frames.error}")
            self.warnings.extend(w for w in reader.warnings[len(reader.info.warnings):] if w not in self.warnings)

    # -- measuring shots -------------------------------------------------------------

    def per_frame(self, frame_count: int, shot_starts) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(times, stats, motion) over ``frame_count`` frames (NaN where no frame came).

        Motion's columns are the total, camera and subject flow in frame widths per
        second and the picture change in grey levels a frame; all NaN on each shot's
        first frame, where they measured the cut, not motion.
        """
        if frame_count > len(self._times):
            self._grow(frame_count)
        times = self._times[:frame_count].copy()
        stats = self._stats[:frame_count].copy()
        self._split_flows()
        flow = self._flow[:frame_count].copy()
        flow[:, :3] *= float(self.fps) / self._flow_size[0]
        starts = np.asarray([s for s in shot_starts if 0 <= s < frame_count], int)
        flow[starts] = np.nan
        return times, stats, flow

    def grid(self, first: int, last: int) -> list[int]:
        """The grid frames kept in the shot ``first..last`` (inclusive)."""
        return [f for f in range(-(-first // self.step) * self.step, last + 1, self.step) if f in self._grid]

    def face_frames(self, first: int, last: int) -> list[int]:
        """Where faces are looked for in the shot ``first..last``: every ``FACE_LOOK_EVERY_S``,
        and on the emotion features' samples (``samples``)."""
        seconds = (last - first + 1) / float(self.fps)
        every = pick(self.grid(first, last), max(2, math.ceil(seconds / FACE_LOOK_EVERY_S)))
        return sorted({*every, *self.samples(first, last).face_frames})

    def samples(self, first: int, last: int) -> Samples:
        """The emotion features' face and palette frames of the shot ``first..last``: the grid
        frames nearest to evenly spread points, each ``(k + 0.5) / count`` into the shot, so
        no sample sits at a shot's edge, where dissolves are."""
        seconds = (last - first + 1) / float(self.fps)
        count = min(MAX_FACE_SAMPLES, max(2, math.ceil(seconds / FACE_EVERY_S)))
        grid = self.grid(first, last)
        return Samples(nearest(grid, first, last, count), pick(grid, PALETTE_SAMPLES))

    def faces(self, frames) -> Job[dict[int, tuple[list, np.ndarray | None]]]:
        """Faces (largest first, at most ``MAX_FACES``) and their classifier crops on grid
        ``frames``, found in threads, each frame once for the meter's life; yields (fraction,
        message)."""
        wanted = sorted(set(frames) - set(self._faces))
        workers = min(8, os.cpu_count() or 1)
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="faces") as pool:
            for at in range(0, len(wanted), _FACE_CHUNK):
                chunk = wanted[at:at + _FACE_CHUNK]
                images = [self.grid_frame(f) for f in chunk]
                self._faces.update(zip(chunk, pool.map(self._detect, images)))
                done = min(at + _FACE_CHUNK, len(wanted))
                # "pictures", not "frames": "frame N of M" is the decode's count, which the
                # app's queue reads as the file's progress
                yield done / len(wanted), f"faces: {done} of {len(wanted)} pictures"
        return {f: self._faces[f] for f in frames}

    def _detect(self, image: np.ndarray) -> tuple[list, np.ndarray | None]:
        detector = getattr(self._local, "detector", None)
        if detector is None:  # one per thread: a cascade is not thread-safe
            # The cascade's 50 px minimum is meant for ~640-wide frames (see faces.py).
            detector = self._local.detector = FaceDetector(
                min_size=max(20, round(MIN_SIZE * self.size[0] / 640)), min_neighbors=DOWNSCALED_MIN_NEIGHBORS)
        found = detector.detect(image)[:MAX_FACES]
        return found, (fer_crops(image, found) if found else None)

    def grid_frame(self, index: int) -> np.ndarray:
        """A grid frame back from the spool (BGR, at ``size``)."""
        offset, length = self._grid[index]
        self._spool.seek(offset)
        data = np.frombuffer(self._spool.read(length), np.uint8)
        self._spool.seek(0, 2)
        return cv2.imdecode(data, cv2.IMREAD_COLOR)

    def swatch(self, image: np.ndarray) -> np.ndarray:
        """The small picture the palette is clustered from."""
        small = cv2.resize(image, self._stats_size, interpolation=cv2.INTER_AREA)
        return cv2.resize(small, (40, max(1, self._stats_size[1] // 4)), interpolation=cv2.INTER_AREA)

    def close(self) -> None:
        if self._spool is not None:
            self._spool.close()

    def _split_flows(self) -> None:
        if self._flows:
            frames, fields = zip(*self._flows)
            self._flow[list(frames), :3] = split_motion(np.stack(fields))
            self._flows = []

    def _grow(self, length: int) -> None:
        extra = length - len(self._times)
        self._stats = np.concatenate([self._stats, np.full((extra, len(FRAME_STATS)), np.nan)])
        self._flow = np.concatenate([self._flow, np.full((extra, 4), np.nan)])
        self._times = np.concatenate([self._times, np.full(extra, np.nan)])
