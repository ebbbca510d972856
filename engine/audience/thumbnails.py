"""Thumbnail candidates: the frames of a video most likely to sell it.

A good thumbnail is sharp, shows a face large and expressive, has contrast, and comes from a
moment of high emotion. Frames are sampled across the file (``SAMPLES`` at most), each is
scored on those five counts (rank-normalised within the file, so footage of any look gets
its own best frames), and the best ones are taken at least ``spacing`` apart, so the strip
offers different moments rather than one moment five times.
"""
from __future__ import annotations

from dataclasses import dataclass
from os import PathLike
from pathlib import Path

import numpy as np

from engine.jobs import Job

SAMPLES = 120
MIN_GAP_S = 0.5
DECODE_WIDTH = 320
# A face this tall (share of the frame height) counts fully; a thumbnail is seen small.
FULL_FACE = 0.4
WEIGHTS = {"sharpness": 0.3, "face": 0.25, "expression": 0.15, "contrast": 0.15, "emotion": 0.15}


@dataclass
class Candidate:
    frame: int  # in ``source``
    time_s: float  # on the video (the edit's record time for an edit)
    score: float
    parts: dict[str, float]  # each count, 0..1
    image: np.ndarray | None = None  # RGB at DECODE_WIDTH
    source: str = ""  # the file the frame is in

    def to_json(self) -> dict:
        return {"frame": self.frame, "time": round(self.time_s, 3), "score": round(self.score, 4),
                "source": self.source, "parts": {k: round(v, 3) for k, v in self.parts.items()}}

    def why(self) -> str:
        best = sorted(self.parts.items(), key=lambda kv: -kv[1] * WEIGHTS[kv[0]])[:2]
        return ", ".join(f"{k} {v:.0%}" for k, v in best)


@dataclass
class Span:
    """Source frames ``first..last`` of ``path`` shown from ``start_s`` on the video."""

    path: Path
    first: int
    last: int
    start_s: float = 0.0
    arousal: np.ndarray | None = None  # the source's per-frame arousal, if analysed


def _ranks(values: np.ndarray) -> np.ndarray:
    """0..1 by rank (ties share); constant values give 0.5."""
    from scipy.stats import rankdata

    if len(values) < 2 or np.ptp(values) == 0:
        return np.full(len(values), 0.5)
    return (rankdata(values) - 1) / (len(values) - 1)


def candidates_job(path: str | PathLike[str], count: int = 5, arousal: np.ndarray | None = None,
                   keep_images: bool = True) -> Job[list[Candidate]]:
    """The ``count`` best thumbnail frames of the file ``path``, best first; yields (fraction, message).

    Args:
        arousal: The file's per-frame arousal (the analysis's emotion curve); without it the
            emotion count is left out.

    Raises:
        MediaError: the file is not readable video.
    """
    from engine.media import MediaError, probe

    path = Path(path)
    info = probe(path)
    if info.video is None:
        raise MediaError(path, "no video stream")
    n = max(1, int(info.video.frame_count or 1))
    return (yield from spans_candidates_job([Span(path, 0, n - 1, 0.0, arousal)], count, keep_images))


def spans_candidates_job(spans: list[Span], count: int = 5, keep_images: bool = True) -> Job[list[Candidate]]:
    """The best thumbnail frames among the frames of ``spans`` (a file, or the clips of an edit)."""
    import cv2

    from engine.affect.expressions import classify_expressions
    from engine.affect.faces import DOWNSCALED_MIN_NEIGHBORS, MIN_SIZE, FaceDetector, fer_crops
    from engine.media import FrameReader, probe
    from engine.media.thumbnail import fit_width

    total = sum(s.last - s.first + 1 for s in spans) or 1
    frames, sharp, contrast, face, crops, crop_of, emotion = [], [], [], [], [], [], []
    for k, span in enumerate(spans):
        info = probe(span.path)
        fps = float(info.video.frame_rate or 24)
        length = span.last - span.first + 1
        share = max(1, round(SAMPLES * length / total))
        picks = sorted(set(np.linspace(span.first, span.last, min(share, length)).round().astype(int).tolist()))
        size = fit_width(info, DECODE_WIDTH)
        detector = FaceDetector(min_size=max(16, round(MIN_SIZE * size[0] / 640)),
                                min_neighbors=DOWNSCALED_MIN_NEIGHBORS)
        wanted = set(picks)
        yield k / len(spans) * 0.9, f"{span.path.name}: looking for thumbnails"
        with FrameReader(span.path, size=size, pix_fmt="bgr24") as reader:
            for frame in reader.frames(picks[0], picks[-1] + 1):
                if frame.index not in wanted:
                    continue
                img = frame.image
                gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
                sharp.append(float(cv2.Laplacian(gray, cv2.CV_64F).var()))
                contrast.append(float(gray.std()))
                found = detector.detect(img)
                face.append(min(1.0, found[0].h / img.shape[0] / FULL_FACE) if found else 0.0)
                if found:
                    crops.append(fer_crops(img, found[:1])[0])
                    crop_of.append(len(frames))
                a = span.arousal
                emotion.append(float(a[min(frame.index, len(a) - 1)]) if a is not None and len(a) else np.nan)
                frames.append((span, frame.index, span.start_s + (frame.index - span.first) / fps,
                               img[:, :, ::-1].copy() if keep_images else None))
    if not frames:
        return []
    expression = np.zeros(len(frames))
    if crops:
        probs = classify_expressions(np.stack(crops))
        expression[crop_of] = 1.0 - probs[:, -1]  # anything but the model's "neutral"
    parts = {"sharpness": _ranks(np.array(sharp)), "face": np.array(face), "expression": expression,
             "contrast": _ranks(np.array(contrast))}
    weights = dict(WEIGHTS)
    emotion = np.array(emotion)
    if np.isfinite(emotion).all():
        parts["emotion"] = _ranks(emotion)
    else:  # a source without its emotion curve: rank all frames on the other counts alike
        weights.pop("emotion")
    score = sum(parts[k] * w for k, w in weights.items()) / sum(weights.values())
    duration = max(f[2] for f in frames) + 1e-6
    spacing = max(MIN_GAP_S, duration / (3 * max(count, 1)))
    chosen: list[Candidate] = []
    for i in np.argsort(-score, kind="stable"):
        span, index, t, image = frames[i]
        if any(abs(t - c.time_s) < spacing for c in chosen):
            continue
        chosen.append(Candidate(index, t, float(score[i]), {k: float(parts[k][i]) for k in weights}, image,
                                str(span.path)))
        if len(chosen) == count:
            break
    yield 1.0, f"{len(chosen)} thumbnail candidates"
    return chosen


def video_spans_job(item: str | PathLike[str], sources=None) -> Job[list[Span]]:
    """Spans of a file, an ``.otio`` edit or ``PROJECT.moviola:TIMELINE``, with each source's
    arousal from its (cached) analysis."""
    from engine.jobs import scaled

    from .pieces import AnalysedSources, edit_segments, load_timeline

    sources = sources or AnalysedSources(transcripts=False)
    timeline = load_timeline(item)
    if timeline is None:
        analysis = yield from sources.analysis_job(Path(item))
        curve = analysis.emotion.curve.arousal if analysis.emotion is not None else None
        return [Span(Path(item), 0, max(0, analysis.shots.frame_count - 1), 0.0, curve)]
    segments = [s for s in edit_segments(timeline) if s[1] is not None]
    if not segments:
        raise ValueError(f"{item}: no clip of a media file on the picture track")
    spans = []
    for i, (start_s, path, first, last) in enumerate(segments):
        analysis = yield from scaled(sources.analysis_job(path), i / len(segments), (i + 1) / len(segments))
        curve = analysis.emotion.curve.arousal if analysis.emotion is not None else None
        spans.append(Span(path, max(0, first), min(last, analysis.shots.frame_count - 1), start_s, curve))
    return spans


def export_pngs(path: str | PathLike[str], candidates: list[Candidate], folder: str | PathLike[str]) -> list[Path]:
    """Each candidate as a full-size PNG of its source frame in ``folder``
    (``<name>-thumb1-f000123.png``, best first; ``path`` names them)."""
    import io

    from PIL import Image

    from engine.atomic import atomic_write_bytes
    from engine.media import FrameReader

    path, folder = Path(path), Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    readers: dict[str, FrameReader] = {}
    try:
        for rank, c in enumerate(candidates, 1):
            source = c.source or str(path)
            if source not in readers:
                readers[source] = FrameReader(source)
            image = readers[source].read(c.frame).image
            buf = io.BytesIO()
            Image.fromarray(image).save(buf, format="PNG")
            out = folder / f"{path.stem}-thumb{rank}-f{c.frame:06d}.png"
            atomic_write_bytes(out, buf.getvalue())
            written.append(out)
    finally:
        for reader in readers.values():
            reader.close()
    return written
