"""Per-shot facts the proposer cuts by: speech, action, faces and look.

``facts_job`` measures, for every shot of one file:

* **speech**: frame ranges from Silero VAD (weights from the installed ``silero-vad``
  wheel, never downloaded), so no audio edit falls inside a word; where the file has a
  transcript (in the cache), the ranges come from its word boundaries instead (see
  ``engine.transcript.speech``), looked up on every call so a transcript made later counts;
* **motion peaks**: frames of action, peaks of the per-frame motion the picture meter
  measured for ``engine.affect.features`` too;
* **faces**: frames where the face detector of ``engine.affect.faces`` found a face,
  sampled twice a second, and the largest face's height over the frame's;
* **look**: an HSV colour histogram, for jump-cut checks.

Faces, looks and motion come from the ``PictureMeter`` the analysis' single decode fed
(``engine.analysis``), sharing its face detections with the emotion features; called on
its own, ``facts_job`` decodes the file into a meter of its own.

The result is cached per file under its own analyser name and version, so proposals,
Keep and Reject read it instead of decoding anything.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from fractions import Fraction
from os import PathLike
from pathlib import Path

import numpy as np

from engine.cache.codec import register_dataclass
from engine.jobs import Job, scaled

ANALYSER = "edit.facts"
#: Bump whenever a fact for the same shot would change.
#: 3: faces and looks on the picture meter's grid frames.
VERSION = "3"
VAD_RATE = 16000
VAD_BLOCK_S = 300
LOOK_SAMPLES = 3
HIST_BINS = (8, 4, 4)  # hue, saturation, value
PEAK_SPACING_S = 0.25

FrameRange = tuple[int, int]
_DEFAULT_CACHE = object()


@register_dataclass(name="edit.ShotFacts")
@dataclass
class ShotFacts:
    """What the proposer needs of one shot beyond its emotion (source frames, inclusive)."""

    start_frame: int
    end_frame: int
    speech: list = field(default_factory=list)  # [[first, last], ...] lines touching the shot, unclipped
    motion_peaks: list = field(default_factory=list)
    face_frames: list = field(default_factory=list)
    face_count: int = 0
    face_scale: float = 0.0
    histogram: np.ndarray | None = None


@register_dataclass(name="edit.FileFacts")
@dataclass
class FileFacts:
    """Facts of every shot of one file, with the file's length and whether speech was looked for."""

    frame_count: int
    fps: str
    speech_checked: bool
    shots: list = field(default_factory=list)  # ShotFacts, in shot order

    def for_shot(self, start: int, end: int) -> ShotFacts | None:
        for s in self.shots:
            if s.start_frame == start and s.end_frame == end:
                return s
        return None


def facts_cached(path: str | PathLike[str], shots, cache=_DEFAULT_CACHE) -> bool:
    """Whether the cache holds the facts of every shot: ``facts_job`` then measures nothing
    (so nothing need listen for speech on its behalf)."""
    if cache is None:
        return False
    from engine.cache.fingerprint import fingerprint

    if cache is _DEFAULT_CACHE:
        from engine.cache.store import AnalysisCache

        cache = AnalysisCache()
    return _cached(cache, fingerprint(Path(path)), [(int(s[0]), int(s[1])) for s in shots.shots]) is not None


def _cached(cache, key, wanted: list[tuple[int, int]]) -> FileFacts | None:
    hit = cache.get(key, ANALYSER, VERSION) if cache is not None else None
    if isinstance(hit, FileFacts) and all(hit.for_shot(a, b) is not None for a, b in wanted):
        return hit
    return None


def facts_job(path: str | PathLike[str], shots, info=None, cache=_DEFAULT_CACHE,
              frames=None, speech: SpeechListener | None = None) -> Job[FileFacts]:
    """Speech, motion peaks, faces and look of every shot of ``path``; yields (fraction, message).

    Args:
        path: The video file.
        shots: Its ``engine.shots.ShotList``.
        info: Its ``MediaInfo`` (probed when None).
        cache: An ``AnalysisCache``; the user's by default, None for none.
        frames: A ``PictureMeter`` already fed every frame of the file; without one, the
            file is decoded here.
        speech: A `SpeechListener` that another decode of the sound fed to its end; without
            one (or an incomplete one), the sound is decoded here.
    """
    from engine.cache.fingerprint import fingerprint

    path = Path(path)
    if cache is _DEFAULT_CACHE:
        from engine.cache.store import AnalysisCache

        cache = AnalysisCache()
    key = fingerprint(path) if cache is not None else None
    wanted = [(int(s[0]), int(s[1])) for s in shots.shots]
    hit = _cached(cache, key, wanted)
    if hit is not None:
        yield 1.0, f"{path.name}: cut facts from the cache"
        return with_word_speech(path, FileFacts(hit.frame_count, hit.fps, hit.speech_checked,
                                                [hit.for_shot(a, b) for a, b in wanted]), cache, key)
    if info is None:
        from engine.media import probe

        info = probe(path)
    fps = Fraction(shots.fps) if shots.fps else Fraction(24)
    n = int(shots.frame_count)

    yield 0.0, f"{path.name}: speech"
    spoken, checked = [], False
    if speech is not None and speech.complete:
        spoken, checked = speech.ranges, True
    elif info.audio:
        spoken, checked = speech_ranges(path, fps, n), True

    yield 0.3, f"{path.name}: faces and looks"
    pictures = yield from scaled(_pictures(path, shots, info, fps, n, frames), 0.3, 1.0)
    motion = pictures["motion"]

    result = []
    for i, (a, b) in enumerate(wanted):
        last = min(b, n - 1)
        faces = pictures["faces"][i]
        with_face = sorted(f for f, found in faces.items() if found)
        largest = max((h for h in faces.values() if h), default=0.0)
        result.append(ShotFacts(
            a, b,
            # Whole lines, not clipped to the shot: a shot's edge inside a line is no pause.
            speech=[[s, e] for s, e in spoken if s <= b and e >= a],
            motion_peaks=peak_frames(motion, a, last, float(fps)),
            face_frames=with_face,
            face_count=pictures["counts"][i],
            face_scale=float(largest),
            histogram=pictures["looks"][i],
        ))
    facts = FileFacts(n, str(fps), checked, result)
    if cache is not None:
        cache.put(key, ANALYSER, VERSION, facts)
    yield 1.0, f"{path.name}: cut facts of {len(result)} shots"
    return with_word_speech(path, facts, cache, key, vad=spoken)


def with_word_speech(path: Path, facts: FileFacts, cache, key, vad=None) -> FileFacts:
    """`facts` with each shot's speech from the transcript's words, where one is cached.

    The cached facts keep the voice-activity ranges: a transcript made (or removed) later
    changes what the proposer sees without measuring anything again.
    """
    from engine.transcript.speech import speech_from_words
    from engine.transcript.transcribe import cached_transcript

    if cache is None or not facts.speech_checked:
        return facts
    transcript = cached_transcript(path, cache, key)
    if transcript is None or not transcript.words:
        return facts
    if vad is None:  # the file's voice activity, gathered back from its shots
        vad = sorted({tuple(r) for s in facts.shots for r in s.speech})
    speech = speech_from_words(transcript, Fraction(facts.fps), facts.frame_count, vad)
    shots = [dataclasses.replace(s, speech=[[a, b] for a, b in speech if a <= s.end_frame and b >= s.start_frame])
             for s in facts.shots]
    return FileFacts(facts.frame_count, facts.fps, facts.speech_checked, shots)


# -- speech --------------------------------------------------------------------------


_vad_model = None


def _vad():
    """Silero VAD's TorchScript model from the installed wheel's files (no download)."""
    global _vad_model
    if _vad_model is None:
        from silero_vad import load_silero_vad

        _vad_model = load_silero_vad(onnx=False)
    return _vad_model


def speech_ranges(path: str | PathLike[str], fps: Fraction, frame_count: int) -> list[FrameRange]:
    """Frame ranges (inclusive) of ``path`` in which someone speaks (see `SpeechListener`)."""
    from engine.media import MediaError, iter_audio

    listener = SpeechListener(fps, frame_count)
    try:
        for chunk in iter_audio(path, VAD_RATE, 1, chunk_seconds=30.0):
            listener.take(chunk)
    except MediaError as exc:
        if exc.problem == "no audio stream":
            return []
        raise
    listener.end()
    return listener.ranges


class SpeechListener:
    """Voice activity of a file's sound, fed in chunks: ``take`` each (1, n) chunk at
    ``VAD_RATE`` in order, then ``end``; ``ranges`` are then the frame ranges (inclusive)
    in which someone speaks.

    Silero's own 30 ms padding keeps word onsets and tails inside the ranges; a range
    covers every frame whose picture overlaps the speech. The sound is heard in blocks
    of ``VAD_BLOCK_S`` (a whole feature's 16 kHz sound would be ~230 MB an hour, twice
    that while joined); speech running across a block's edge gives two ranges that
    touch, joined here. Silero's state restarts with each block, which moves a range's
    end by a frame here and there (0.6 % of the speech frames on the lecture in 60-s blocks).

    ``sample_rate`` and ``channels`` make it an ``iter_audio`` tap, so the emotion
    features' sound decode can feed it (one audio decode for both).
    """

    sample_rate, channels = VAD_RATE, 1

    def __init__(self, fps: Fraction, frame_count: int):
        self._rate, self._count = float(fps), frame_count
        self._block: list[np.ndarray] = []
        self._held = 0
        self._heard = 0  # samples in the blocks already heard
        self._ranges: list[FrameRange] = []
        self.complete = False  # set by ``end``: the file's sound was heard to its end

    def take(self, chunk: np.ndarray) -> None:
        self._block.append(chunk[0])
        self._held += chunk.shape[1]
        if self._held >= VAD_BLOCK_S * VAD_RATE:
            self._hear_block()

    def end(self) -> None:
        if self._block:
            self._hear_block()
        self.complete = True

    @property
    def ranges(self) -> list[FrameRange]:
        if not self.complete:
            raise RuntimeError("the sound has not been heard to its end")
        return self._ranges

    def _hear_block(self) -> None:
        self._heard = _hear(np.concatenate(self._block), self._heard, self._rate, self._count, self._ranges)
        self._block, self._held = [], 0


def _hear(samples: np.ndarray, offset: int, rate: float, frame_count: int, ranges: list[FrameRange]) -> int:
    """Add the speech in ``samples`` (starting ``offset`` samples into the file) to
    ``ranges``; returns the offset of the next block."""
    import torch
    from silero_vad import get_speech_timestamps

    audio = torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float32))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # 512-sample windows: more threads only wait on each other
    try:
        stamps = get_speech_timestamps(audio, _vad(), sampling_rate=VAD_RATE)
    finally:
        torch.set_num_threads(threads)
    for s in stamps:
        first = int(math.floor((offset + s["start"]) / VAD_RATE * rate))
        last = min(frame_count - 1, int(math.ceil((offset + s["end"]) / VAD_RATE * rate)) - 1)
        if last >= first:
            if ranges and first <= ranges[-1][1] + 1:
                ranges[-1] = (ranges[-1][0], max(ranges[-1][1], last))
            else:
                ranges.append((first, last))
    return offset + len(samples)


# -- motion --------------------------------------------------------------------------


def peak_frames(motion: np.ndarray, first: int, last: int, fps: float) -> list[int]:
    """Frames of action in ``first..last``: the peaks ``engine.affect.motion.motion_peaks``
    counts (same prominence and spacing), as frame numbers."""
    from scipy.signal import find_peaks

    m = np.asarray(motion[first:last + 1], float)
    where = np.flatnonzero(np.isfinite(m))  # NaN at a shot's first frame: no flow across a cut
    if len(where) < 3:
        return []
    values = m[where]
    prominence = 1.5 * float(np.median(values)) + 0.02
    peaks, _ = find_peaks(values, prominence=prominence, distance=max(1, int(round(PEAK_SPACING_S * fps))))
    return [int(first + where[p]) for p in peaks]


# -- faces and looks -----------------------------------------------------------------


def look_vector(bgr: np.ndarray) -> np.ndarray:
    """Normalised HSV histogram of one frame (``HIST_BINS`` bins)."""
    import cv2

    hsv = cv2.cvtColor(bgr, cv2.COLOR_BGR2HSV)
    hist = cv2.calcHist([hsv], [0, 1, 2], None, list(HIST_BINS), [0, 180, 0, 256, 0, 256]).ravel()
    return (hist / max(float(hist.sum()), 1.0)).astype(np.float32)


def _pictures(path: Path, shots, info, fps: Fraction, n: int, frames) -> Job[dict]:
    """Faces and looks of every shot, and the motion track, from the picture meter."""
    from engine.affect.features import analysis_size
    from engine.affect.picture_meter import PictureMeter, pick

    own = frames is None or frames.decoded == 0
    if own:
        frames = PictureMeter(fps, analysis_size(info.video.width, info.video.height), n)
    try:
        if own:
            yield from scaled(frames.decode(path, [(0, n)]), 0.0, 0.7)
        spans = [(int(s[0]), min(int(s[1]), n - 1)) for s in shots.shots]
        looked = [frames.face_frames(a, b) for a, b in spans]
        found = yield from scaled(frames.faces([f for fs in looked for f in fs]), 0.7, 0.95)
        faces, counts, looks = [], [], []
        for (a, b), where in zip(spans, looked):
            height = frames.size[1]
            faces.append({f: (found[f][0][0].h / height if found[f][0] else 0.0) for f in where})
            counts.append(max((len(found[f][0]) for f in where), default=0))
            seen = [look_vector(frames.grid_frame(f)) for f in pick(frames.grid(a, b), LOOK_SAMPLES)]
            looks.append(np.mean(seen, axis=0).astype(np.float32) if seen else None)
        motion = frames.per_frame(n, [a for a, _ in spans])[2][:, 0]
    finally:
        if own:
            frames.close()
    return {"faces": faces, "counts": counts, "motion": motion, "looks": looks}
