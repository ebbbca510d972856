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
    frame: int
    time_s: float
    score: float
    parts: dict[str, float]  # each count, 0..1
    image: np.ndarray | None = None  # RGB at DECODE_WIDTH

    def to_json(self) -> dict:
        return {"frame": self.frame, "time": round(self.time_s, 3), "score": round(self.score, 4),
                "parts": {k: round(v, 3) for k, v in self.parts.items()}}

    def why(self) -> str:
        best = sorted(self.parts.items(), key=lambda kv: -kv[1] * WEIGHTS[kv[0]])[:2]
        return ", ".join(f"{k} {v:.0%}" for k, v in best)


def _ranks(values: np.ndarray) -> np.ndarray:
    """0..1 by rank (ties share); constant values give 0.5."""
    from scipy.stats import rankdata

    if len(values) < 2 or np.ptp(values) == 0:
        return np.full(len(values), 0.5)
    return (rankdata(values) - 1) / (len(values) - 1)


def candidates_job(path: str | PathLike[str], count: int = 5, arousal: np.ndarray | None = None,
                   keep_images: bool = True) -> Job[list[Candidate]]:
    """The ``count`` best thumbnail frames of ``path``, best first; yields (fraction, message).

    Args:
        arousal: The file's per-frame arousal (the analysis's emotion curve); without it the
            emotion count is left out.

    Raises:
        MediaError: the file is not readable video.
    """
    import cv2

    from engine.affect.expressions import classify_expressions
    from engine.affect.faces import DOWNSCALED_MIN_NEIGHBORS, MIN_SIZE, FaceDetector, fer_crops
    from engine.media import FrameReader, probe
    from engine.media.thumbnail import fit_width

    path = Path(path)
    info = probe(path)
    if info.video is None:
        from engine.media import MediaError

        raise MediaError(path, "no video stream")
    n = max(1, int(info.video.frame_count or 1))
    fps = float(info.video.frame_rate or 24)
    picks = sorted(set(np.linspace(0, n - 1, min(SAMPLES, n)).round().astype(int).tolist()))
    size = fit_width(info, DECODE_WIDTH)
    detector = FaceDetector(min_size=max(16, round(MIN_SIZE * size[0] / 640)),
                            min_neighbors=DOWNSCALED_MIN_NEIGHBORS)
    frames, sharp, contrast, face, crops, crop_of = [], [], [], [], [], []
    wanted = set(picks)
    yield 0.0, f"{path.name}: looking for thumbnails"
    with FrameReader(path, size=size, pix_fmt="bgr24") as reader:
        for frame in reader.frames(0, picks[-1] + 1):
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
            frames.append((frame.index, img[:, :, ::-1].copy() if keep_images else None))
            if len(frames) % 16 == 0:
                yield 0.9 * len(frames) / len(picks), f"{path.name}: frame {frame.index} of {n}"
    if not frames:
        return []
    expression = np.zeros(len(frames))
    if crops:
        probs = classify_expressions(np.stack(crops))
        expression[crop_of] = 1.0 - probs[:, -1]  # anything but the model's "neutral"
    parts = {"sharpness": _ranks(np.array(sharp)), "face": np.array(face), "expression": expression,
             "contrast": _ranks(np.array(contrast))}
    weights = dict(WEIGHTS)
    if arousal is not None and len(arousal):
        idx = np.clip([f for f, _ in frames], 0, len(arousal) - 1)
        parts["emotion"] = _ranks(np.asarray(arousal)[idx])
    else:
        weights.pop("emotion")
    total = sum(weights.values())
    score = sum(parts[k] * w for k, w in weights.items()) / total
    spacing = max(MIN_GAP_S, n / fps / (3 * max(count, 1)))
    chosen: list[Candidate] = []
    for i in np.argsort(-score, kind="stable"):
        index, image = frames[i]
        t = index / fps
        if any(abs(t - c.time_s) < spacing for c in chosen):
            continue
        chosen.append(Candidate(index, t, float(score[i]), {k: float(parts[k][i]) for k in weights}, image))
        if len(chosen) == count:
            break
    yield 1.0, f"{path.name}: {len(chosen)} thumbnail candidates"
    return chosen


def export_pngs(path: str | PathLike[str], candidates: list[Candidate], folder: str | PathLike[str]) -> list[Path]:
    """Each candidate as a full-size PNG in ``folder`` (``<name>-thumb1-f000123.png``, best first)."""
    import io

    from PIL import Image

    from engine.atomic import atomic_write_bytes
    from engine.media import FrameReader

    path, folder = Path(path), Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with FrameReader(path) as reader:
        for rank, c in enumerate(candidates, 1):
            image = reader.read(c.frame).image
            buf = io.BytesIO()
            Image.fromarray(image).save(buf, format="PNG")
            out = folder / f"{path.stem}-thumb{rank}-f{c.frame:06d}.png"
            atomic_write_bytes(out, buf.getvalue())
            written.append(out)
    return written
