"""Per-shot features: picture, motion, faces and sound.

Every frame at ``ANALYSIS_WIDTH`` goes through a ``PictureMeter`` (picture and motion
per frame, a sparse grid of frames kept for faces and palettes). In a full analysis
the shot detector's decode feeds it; otherwise ``features_job`` decodes the shots
it lacks itself. Faces are then looked for on a few grid frames per shot and
expressions classified only for the faces found, in one batch. The sound is decoded
separately (it is another stream) into 10 ms hops.

Results are cached per shot: a shot list that changed in a few places re-measures
only the shots the cache has not seen.
"""
from __future__ import annotations

import contextlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from fractions import Fraction
from os import PathLike
from pathlib import Path

import numpy as np

from engine.jobs import Job, scaled
from engine.media import MediaError, iter_audio

from . import sound as snd
from .motion import motion_peaks, strongest_second
from .picture import FRAME_STATS, palette
from .picture_meter import PictureMeter, Samples

ANALYSER = "affect.features"
#: Bump whenever a feature's value for the same shot would change.
#: 2: expressions against each face's own neutral score, motion bursts, camera shake.
#: 3: the busiest second's subject motion, loudness against the file's own, picture
#: measured inside letterbox/pillarbox bars.
#: 4: face and palette samples from the meter's grid (4 frames a second, via JPEG), the
#:    picture at 320 px by swscale's bilinear filter.
#: 5: picture change (the busiest second's frame-to-frame difference).
VERSION = "5"
ANALYSIS_WIDTH = 320
# Hanjalic's rhythm: cuts per minute in a window centred on the shot.
CUT_WINDOW_S = 20.0
EXPRESSIONS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
SCALES = (None, "wide", "medium", "close-up")
#: The expressions a face can show beyond neutral (the FER model's own "neutral" is the baseline).
EMOTIVE = ("angry", "disgust", "fear", "happy", "sad", "surprise")
# A face is clearly expressive when its strongest expression is this likely and at
# least EXPRESSIVE_RATIO times the face's own neutral probability. The FER model
# spreads a still, neutral webcam face over sad, fear and neutral (0.2-0.5 each),
# which these thresholds leave neutral.
EXPRESSIVE_MIN = 0.5
EXPRESSIVE_RATIO = 2.0
# ... and big enough to read: a face under a fifth of the frame's height (a full-body
# webcam shot) is a few pixels wide at analysis size, where the model's guesses are
# noise and a viewer could not read the expression either.
EXPRESSIVE_FACE_SIZE = 0.2

#: Every numeric per-shot feature, in the order models see them.
FEATURE_NAMES: tuple[str, ...] = (
    *FRAME_STATS,
    "motion", "camera_motion", "subject_motion", "motion_peaks", "motion_burst", "camera_shake", "motion_peak",
    "picture_change", "shot_length", "cut_rate",
    "face_count", "face_size", "face_frames", *(f"face_{e}" for e in EXPRESSIONS),
    "face_expressive", *(f"expr_{e}" for e in EMOTIVE),
    "loudness", "loudness_rel", "loudness_range", "onset_rate", "tempo", "speech", "silence", "has_sound",
)
#: Per-frame tracks kept for the emotion curve (motion ones in frame widths per second).
TRACKS: tuple[str, ...] = (*FRAME_STATS, "motion", "camera_motion", "subject_motion", "loudness")


@dataclass
class ShotFeatures:
    """What was measured in one shot.

    Attributes:
        values: ``FEATURE_NAMES`` -> number.
        shot_scale: "wide", "medium", "close-up" from the largest face, None without faces.
        palette: Dominant colours, ("#rrggbb", share), largest first.
    """

    start_frame: int
    end_frame: int
    values: dict[str, float]
    shot_scale: str | None = None
    palette: list[tuple[str, float]] = field(default_factory=list)

    def to_cache(self) -> dict:
        return {"start_frame": self.start_frame, "end_frame": self.end_frame, "values": dict(self.values),
                "shot_scale": self.shot_scale, "palette": [list(p) for p in self.palette]}

    @classmethod
    def from_cache(cls, d: dict) -> ShotFeatures:
        return cls(int(d["start_frame"]), int(d["end_frame"]), {k: float(v) for k, v in d["values"].items()},
                   d["shot_scale"], [(str(c), float(s)) for c, s in d["palette"]])


@dataclass
class FeatureSet:
    """Features of every shot of one file plus the per-frame tracks behind them.

    Attributes:
        times: (frame_count,) seconds of each frame on the file's timeline.
        tracks: ``TRACKS`` name -> (frame_count,) float array.
        has_sound: False when the file has no (decodable) sound.
        timings: Seconds spent per stage (decode+picture+motion, faces, expressions, sound).
    """

    fps: Fraction
    frame_count: int
    times: np.ndarray
    tracks: dict[str, np.ndarray]
    shots: list[ShotFeatures]
    has_sound: bool
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    def matrix(self) -> np.ndarray:
        """(shots, features) float array in ``FEATURE_NAMES`` order."""
        return np.array([[s.values[n] for n in FEATURE_NAMES] for s in self.shots], float).reshape(-1, len(FEATURE_NAMES))


def analysis_size(width: int, height: int) -> tuple[int, int]:
    """Decode size: ``ANALYSIS_WIDTH`` wide (never upscaled), aspect kept, even sides."""
    w = min(ANALYSIS_WIDTH, width)
    w -= w % 2
    h = max(2, int(round(height * w / width / 2)) * 2)
    return max(2, w), h


def _key(start: int, end: int) -> str:
    return f"{start}:{end}"


def features_job(path: str | PathLike[str], shots, info=None, cache=None, device=None,
                 frames: PictureMeter | None = None, sound_tap=None) -> Job[FeatureSet]:
    """Measure every shot of ``path``; a generator yielding (fraction, message).

    Args:
        path: The video file.
        shots: Its ``engine.shots.ShotList``.
        info: Its ``MediaInfo`` (probed here when None).
        cache: An ``AnalysisCache`` or None.
        device: Torch device for the expression model; CUDA when available by default.
        frames: A ``PictureMeter`` the shot detector's decode already fed with every
            frame (the single pass); without one, the shots not in the cache are decoded here.
        sound_tap: Another analyser of the sound (``sample_rate``, ``channels``, ``take``
            and ``end``, e.g. the cut facts' ``SpeechListener``) that the sound decode here
            feeds too; ``end`` is called once it has had all of it. Not fed when the sound
            comes from the cache or the job is cancelled.

    Raises:
        MediaError: the video cannot be decoded at all.
    """
    path = Path(path)
    if info is None:
        from engine.media import probe

        info = probe(path)
    has_audio = bool(info.audio)
    fps = Fraction(shots.fps) if shots.fps else Fraction(24)
    n = int(shots.frame_count)
    key, stored = None, None
    if cache is not None:
        from engine.cache.fingerprint import fingerprint

        key = fingerprint(path)
        stored = cache.get(key, ANALYSER, VERSION)
    done = {} if stored is None else {k: ShotFeatures.from_cache(v) for k, v in stored["shots"].items()}
    missing = [s for s in shots.shots if _key(*s) not in done]
    if stored is not None and len(stored["times"]) == n:
        times = np.asarray(stored["times"], float)
        tracks = {k: np.asarray(stored["tracks"][k], float) for k in TRACKS}
    else:
        times = np.arange(n) / float(fps)
        tracks = {k: np.full(n, np.nan) for k in TRACKS}
        missing = list(shots.shots)
    timings: dict[str, float] = {}
    warnings: list[str] = []

    # The sound is decoded and analysed in a thread beside the pictures' faces: after the
    # frames are decoded, those leave cores idle.
    track, problem = None, None
    stop = threading.Event()
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="affect-sound")
    try:
        sound = None
        if stored is not None and stored.get("sound") is not None:
            track = snd.SoundTrack.from_cache(stored["sound"])
        elif has_audio and missing:
            sound = pool.submit(_read_sound, path, stop, sound_tap)
        if missing:
            t = time.perf_counter()
            if frames is None or frames.decoded == 0:
                frames = PictureMeter(fps, analysis_size(info.video.width, info.video.height), n)
                yield from _picture_pass(path, shots, missing, frames)
                timings["decode+picture+motion"] = time.perf_counter() - t
            warnings.extend(w for w in frames.warnings if w not in warnings)
            measured = yield from _measure(path, shots, missing, frames, times, tracks, timings, device)
        else:
            yield 0.0, f"{path.name}: features from the cache"
            measured = {}
        if sound is not None:
            yield 0.97, f"{path.name}: sound"
            t = time.perf_counter()
            track, problem, timings["sound"] = sound.result()
            timings["sound wait"] = time.perf_counter() - t
    finally:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
    if problem:
        warnings.append(problem)

    t = time.perf_counter()
    if track is not None and len(track):
        tracks["loudness"] = snd.momentary_loudness(track, times)
        onset_hops, speech = snd.onsets(track), snd.speech_hops(track)
        # The file's own level: a shot louder than the programme around it is energetic;
        # a whole film mastered loud is not (everything is mastered to about -14..-23 LUFS).
        programme = snd.integrated_loudness(track, 0, len(track))
    else:
        tracks["loudness"] = np.full(n, snd.FLOOR_LUFS)
    cut_starts = np.array([s.start_frame for s in shots.shots[1:]], float)
    result = []
    for shot in shots.shots:
        k = _key(*shot)
        if k in done:
            result.append(done[k])
            continue
        feats = measured[k]
        first, last = shot.start_frame, min(shot.end_frame, n - 1)
        t0, t1 = times[first], times[last] + 1 / float(fps)
        if track is not None and len(track):
            feats.values.update(snd.shot_sound(track, t0, t1, onset_hops, speech))
            feats.values["has_sound"] = 1.0
            level = feats.values["loudness"]
            feats.values["loudness_rel"] = level - programme if min(level, programme) > snd.FLOOR_LUFS else 0.0
        else:
            feats.values.update(loudness=snd.FLOOR_LUFS, loudness_rel=0.0, loudness_range=0.0, onset_rate=0.0,
                                tempo=0.0, speech=0.0, silence=1.0, has_sound=0.0)
        feats.values["cut_rate"] = _cut_rate(cut_starts, (first + last) / 2, n, float(fps))
        result.append(feats)
    timings["sound"] = timings.get("sound", 0.0) + time.perf_counter() - t

    features = FeatureSet(fps, n, times, tracks, result, track is not None and len(track) > 0,
                          warnings, timings)
    # Damaged or cut-short results are not kept: a repaired copy may share the key.
    if cache is not None and missing and not warnings:
        everything = dict(done)
        everything.update({_key(s.start_frame, s.end_frame): s for s in result})
        cache.put(key, ANALYSER, VERSION, {
            "times": times.astype(np.float64),
            "tracks": {k: v.astype(np.float32) for k, v in tracks.items()},
            "shots": {k: s.to_cache() for k, s in everything.items()},
            "sound": track.to_cache() if track is not None else None,
        })
    yield 1.0, f"{path.name}: features of {len(result)} shots"
    return features


def _read_sound(path: Path, stop: threading.Event, tap=None) -> tuple[snd.SoundTrack | None, str | None, float]:
    """(track, problem, seconds taken); stops early, with no track, once ``stop`` is set.
    ``tap`` (see `features_job`) is fed from the same decode."""
    t = time.perf_counter()

    def chunks():
        taps = (tap.sample_rate, tap.channels, tap.take) if tap is not None else None
        for chunk in iter_audio(path, snd.SAMPLE_RATE, snd.CHANNELS, chunk_seconds=10.0, tap=taps):
            if stop.is_set():
                raise _Stopped
            yield chunk
        if tap is not None:
            tap.end()
    try:
        return snd.analyse_sound(chunks()), None, time.perf_counter() - t
    except _Stopped:
        return None, None, time.perf_counter() - t
    except MediaError as exc:
        if exc.problem == "no audio stream":
            return None, None, time.perf_counter() - t
        return None, f"sound not analysed: {exc.problem}", time.perf_counter() - t


class _Stopped(Exception):
    """The job was cancelled while its sound was being analysed."""


def _cut_rate(cut_starts: np.ndarray, centre: float, n: int, fps: float) -> float:
    """Cuts per minute in ``CUT_WINDOW_S`` around ``centre`` (the window kept inside the clip)."""
    half = CUT_WINDOW_S * fps / 2
    lo, hi = max(0.0, centre - half), min(float(n), centre + half)
    seconds = max((hi - lo) / fps, 1.0 / fps)
    return float(np.count_nonzero((cut_starts >= lo) & (cut_starts < hi)) * 60.0 / seconds)


# -- the picture pass ------------------------------------------------------------------


def _picture_pass(path: Path, shots, missing, meter: PictureMeter) -> Job[None]:
    """Decode the frames of the ``missing`` shots into ``meter``."""
    n = int(shots.frame_count)
    ranges = _merge([(s.start_frame, min(s.end_frame, n - 1) + 1) for s in missing])
    yield from scaled(meter.decode(path, ranges), 0.05, 0.9)


def _measure(path, shots, missing, meter: PictureMeter, times, tracks, timings, device) -> Job[dict]:
    """Per-shot picture, motion and face features of the ``missing`` shots from ``meter``."""
    if meter.decoded == 0:
        raise MediaError(path, "no video frame could be decoded")
    n = len(times)
    seen, stats, flow = meter.per_frame(n, [s.start_frame for s in shots.shots])
    times[:] = np.where(np.isnan(seen), times, seen)
    for j, name in enumerate(FRAME_STATS):
        tracks[name][:] = np.where(np.isnan(stats[:, j]), tracks[name], stats[:, j])
    for j, name in enumerate(("motion", "camera_motion", "subject_motion")):
        tracks[name][:] = np.where(np.isnan(flow[:, j]), tracks[name], flow[:, j])

    t = time.perf_counter()
    samples = [meter.samples(shot.start_frame, min(shot.end_frame, n - 1)) for shot in missing]
    found = yield from scaled(meter.faces([f for s in samples for f in s.face_frames]), 0.9, 0.92)
    for s in samples:
        for f in s.face_frames:
            boxes, crops = found[f]
            s.faces.append(boxes)
            if crops is not None:
                s.crops.append(crops)
        s.swatches.extend(meter.swatch(meter.grid_frame(f)) for f in s.palette_frames)
    timings["faces"] = time.perf_counter() - t

    yield 0.92, f"{path.name}: expressions"
    t = time.perf_counter()
    probabilities = _expressions(samples, device)
    timings["expressions"] = time.perf_counter() - t
    measured = {}
    for shot, s, p in zip(missing, samples, probabilities):
        first, last = shot.start_frame, min(shot.end_frame, n - 1)
        measured[_key(*shot)] = _shot_features(shot, first, last, s, p, stats, flow, meter.fps, meter.size[1])
    return measured


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for a, b in sorted(ranges):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def _expressions(samples: list[Samples], device) -> list[np.ndarray | None]:
    """Expression probabilities of every face crop, per shot (None without faces), one model batch."""
    crops = [np.concatenate(s.crops) if s.crops else np.zeros((0, 64, 64), np.uint8) for s in samples]
    everything = np.concatenate(crops) if crops else np.zeros((0, 64, 64), np.uint8)
    if len(everything) == 0:
        return [None] * len(samples)
    import torch

    from .expressions import get_classifier

    classifier = get_classifier(device)
    threads = torch.get_num_threads()
    # A shot list's few dozen 64x64 crops run 5-10x slower on two intra-op threads
    # than on one when the cores are busy (measured on the loaded 2-core dev box):
    # the threads wait on each other. Stages run one after another in the analysis
    # worker, so borrowing the setting for this call is safe.
    if classifier.device.type == "cpu" and len(everything) < 128:
        torch.set_num_threads(1)
    try:
        probs = classifier.probabilities(everything)
    finally:
        torch.set_num_threads(threads)
    out, at = [], 0
    for c in crops:
        out.append(probs[at:at + len(c)] if len(c) else None)
        at += len(c)
    return out


def _shot_features(shot, first, last, s: Samples, expr, stats, flow, fps, frame_height) -> ShotFeatures:
    from .faces import shot_scale

    values: dict[str, float] = {}
    with np.errstate(all="ignore"), _warnings_off():
        for j, name in enumerate(FRAME_STATS):
            col = stats[first:last + 1, j]
            values[name] = float(np.nanmedian(col) if name == "sharpness" else np.nanmean(col))
        for j, name in enumerate(("motion", "camera_motion", "subject_motion")):
            col = flow[first:last + 1, j]
            values[name] = float(np.nanmean(col)) if np.isfinite(col).any() else 0.0
    values = {k: (0.0 if not np.isfinite(v) else v) for k, v in values.items()}
    values["motion_peaks"] = float(motion_peaks(flow[first:last + 1, 0], float(fps)))
    values.update(motion_bursts(flow[first:last + 1]))
    values["motion_peak"] = strongest_second(flow[first:last + 1, 2], float(fps))
    values["picture_change"] = strongest_second(flow[first:last + 1, 3], float(fps))
    values["shot_length"] = (last - first + 1) / float(fps)
    counts = [len(f) for f in s.faces]
    largest = max((face for found in s.faces for face in found), key=lambda f: f.h, default=None)
    values["face_count"] = float(max(counts, default=0))
    values["face_size"] = largest.h / frame_height if largest is not None else 0.0
    values["face_frames"] = float(np.mean([c > 0 for c in counts])) if counts else 0.0
    mean = expr.mean(axis=0) if expr is not None else None
    for e, name in enumerate(EXPRESSIONS):
        values[f"face_{name}"] = float(mean[e]) if mean is not None else 0.0
    sizes = np.array([face.h / frame_height for found in s.faces for face in found], float)
    values.update(expressive(expr, sizes if expr is not None and len(sizes) == len(expr) else None))
    scale = shot_scale([largest], frame_height) if largest is not None else None
    return ShotFeatures(shot.start_frame, shot.end_frame, values, scale, palette(s.swatches))


def expressive(probs: np.ndarray | None, sizes: np.ndarray | None = None) -> dict[str, float]:
    """Expressions scored against each face's own neutral probability.

    ``face_expressive`` is the share of face crops that are clearly expressive;
    ``expr_<e>`` the mean over all crops of how far ``e`` rises above the face's
    neutral score, counted only on clearly expressive crops, so a neutral face
    that the model also finds a little sad or afraid adds nothing. ``sizes``
    (face height / frame height per crop) leaves out faces too small to read.
    """
    out = {"face_expressive": 0.0, **{f"expr_{e}": 0.0 for e in EMOTIVE}}
    if probs is None or len(probs) == 0:
        return out
    p = np.asarray(probs, float)
    neutral = p[:, EXPRESSIONS.index("neutral")]
    emotive = p[:, [EXPRESSIONS.index(e) for e in EMOTIVE]]
    top = emotive.max(axis=1)
    clear = (top >= EXPRESSIVE_MIN) & (top >= EXPRESSIVE_RATIO * neutral)
    if sizes is not None:
        clear &= np.asarray(sizes, float) >= EXPRESSIVE_FACE_SIZE
    out["face_expressive"] = float(clear.mean())
    above = np.maximum(emotive - neutral[:, None], 0.0) * clear[:, None]
    for j, e in enumerate(EMOTIVE):
        out[f"expr_{e}"] = float(above[:, j].mean())
    return out


def motion_bursts(flow: np.ndarray) -> dict[str, float]:
    """A shot's strongest subject motion and how much its camera shakes.

    ``motion_burst`` is the 90th percentile of per-frame subject motion (frame
    widths per second): a fight or a car whooshing past reaches it, a walk does
    not. ``camera_shake`` is the mean frame-to-frame change of camera motion: a
    steady pan moves the camera a lot but shakes it little; a handheld scramble
    does both.
    """
    subject = flow[:, 2][np.isfinite(flow[:, 2])]
    camera = flow[:, 1][np.isfinite(flow[:, 1])]
    burst = float(np.percentile(subject, 90)) if len(subject) else 0.0
    shake = float(np.mean(np.abs(np.diff(camera)))) if len(camera) > 1 else 0.0
    return {"motion_burst": burst, "camera_shake": shake}


@contextlib.contextmanager
def _warnings_off():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield
