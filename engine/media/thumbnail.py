"""Poster frames for the media bin and the headless report."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.media.errors import MediaError
from engine.media.frames import FrameReader
from engine.media.probe import MediaInfo, probe


def poster_index(frame_count: int) -> int:
    """A frame a tenth of the way in: frame 0 is often black (fade-in) or a slate."""
    return max(0, min(frame_count - 1, frame_count // 10))


def fit_width(info: MediaInfo, width: int) -> tuple[int, int]:
    """(width, height) for a picture `width` pixels wide with the clip's aspect kept."""
    video = info.video
    if video is None:
        raise MediaError(info.path, "no video stream")
    return width, max(1, round(width * video.height / max(video.width, 1)))


def thumbnail(path: Path, width: int = 320, index: int | None = None,
              info: MediaInfo | None = None) -> np.ndarray:
    """RGB frame `width` pixels wide (the poster frame unless `index` is given)."""
    info = info or probe(path)
    with FrameReader(path, size=fit_width(info, width)) as reader:
        target = poster_index(info.video.frame_count) if index is None else index
        return reader.read(target).image
