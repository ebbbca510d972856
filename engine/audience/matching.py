"""Which media file each row of the history is: a ``File`` column, else the title vs file names."""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

from .table import HistoryRow

#: What a history row can point at: video files, and edits as OpenTimelineIO files.
MEDIA_SUFFIXES = frozenset({".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v", ".mxf", ".mts", ".otio"})
# Titles and file names rarely agree to the letter ("My Trip (4K)" vs my_trip.mp4).
CLOSE_ENOUGH = 0.85


@dataclass
class Match:
    row: HistoryRow
    path: Path | None
    reason: str = ""  # why there is no path


def _words(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join(re.findall(r"[a-z0-9]+", text))


def media_files(folder: str | PathLike[str]) -> list[Path]:
    folder = Path(folder)
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in MEDIA_SUFFIXES)


def match_rows(rows: list[HistoryRow], csv_path: Path, media_dir: str | PathLike[str] | None) -> list[Match]:
    """A ``Match`` per row, in order: its file, or why none was found."""
    files = media_files(media_dir) if media_dir is not None else []
    by_words: dict[str, list[Path]] = {}
    for f in files:
        by_words.setdefault(_words(f.stem), []).append(f)
    matches = []
    for row in rows:
        if row.file:
            p = Path(row.file).expanduser()
            p = p if p.is_absolute() else csv_path.parent / p
            matches.append(Match(row, p) if p.is_file() else Match(row, None, f"file {row.file!r} not found"))
            continue
        if media_dir is None:
            matches.append(Match(row, None, "no File column and no --media folder to look in"))
            continue
        matches.append(_by_title(row, by_words))
    return matches


def _by_title(row: HistoryRow, by_words: dict[str, list[Path]]) -> Match:
    for name in (row.title, row.content):
        key = _words(name)
        if not key:
            continue
        exact = by_words.get(key, [])
        if len(exact) == 1:
            return Match(row, exact[0])
        if len(exact) > 1:
            return Match(row, None, f"title {name!r} fits {len(exact)} files: "
                         + ", ".join(p.name for p in exact[:3]))
    key = _words(row.title)
    if key:
        close = difflib.get_close_matches(key, list(by_words), n=2, cutoff=CLOSE_ENOUGH)
        if len(close) == 1 and len(by_words[close[0]]) == 1:
            return Match(row, by_words[close[0]][0])
    return Match(row, None, f"no file named like {row.label!r}")
