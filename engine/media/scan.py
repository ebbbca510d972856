"""Finding media in what the user dropped, and what the media bin shows for each file."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from engine.media.probe import MediaInfo, probe
from engine.media.thumbnail import thumbnail
from engine.resources import MEDIA_SUFFIXES


def media_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files as given (whatever their suffix: content decides), folders searched for media."""
    for path in paths:
        path = Path(path).expanduser().absolute()
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*")
                              if p.is_file() and p.suffix.lower() in MEDIA_SUFFIXES
                              and not p.name.startswith("."))
        else:
            yield path


def load_bin_entry(path: Path, width: int = 192) -> tuple[MediaInfo, np.ndarray | None]:
    """Probe data and a poster frame (None for audio-only files); raises MediaError."""
    info = probe(path)
    poster = thumbnail(path, width=width, info=info) if info.video is not None else None
    return info, poster
