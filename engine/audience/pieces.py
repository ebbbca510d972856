"""A video as the engine analysed it: pieces of analysed shots laid end to end.

A file is its own shots; an edit (an OpenTimelineIO timeline, a project's timeline or a
proposal) is the parts of its sources' shots its picture track uses, in record order. Every
feature of ``engine.audience.features`` is measured on pieces, so a file, a cut and a history
row are described the same way and nothing is rendered to predict a cut.
"""
from __future__ import annotations

from dataclasses import dataclass
from os import PathLike
from pathlib import Path

import numpy as np

from engine.jobs import Job, scaled


@dataclass
class Piece:
    """One source shot, or the part of it an edit uses, placed on the video's timeline.

    Attributes:
        start_s: Where it starts on the video (seconds).
        values: The source shot's per-shot features (``engine.affect.features.FEATURE_NAMES``).
        arousal, valence: The source's emotion curve over the piece, one value per source frame.
        cut: True when the piece starts on a cut (every piece but the first).
    """

    start_s: float
    duration_s: float
    values: dict[str, float]
    arousal: np.ndarray
    valence: np.ndarray
    fps: float
    source: Path
    first: int  # source frames, inclusive
    last: int
    cut: bool = True


@dataclass
class Video:
    """What features are measured on: the pieces, the length and words spoken (None: unknown)."""

    name: str
    pieces: list[Piece]
    length_s: float
    words: int | None = None
    has_sound: bool = True


class AnalysedSources:
    """Analyses of source files, each run once (and cached on disk by the analysers)."""

    def __init__(self, cache=None, transcripts: bool = True):
        self._cache = cache
        self._done: dict[Path, object] = {}
        self._words: dict[Path, list | None] = {}
        self.transcripts = transcripts

    def analysis_job(self, path: Path) -> Job:
        path = Path(path).resolve()
        if path not in self._done:
            from engine.analysis import analysis_job

            options = {} if self._cache is None else {"cache": self._cache}
            self._done[path] = yield from analysis_job(path, **options)
        else:
            yield 1.0, f"{path.name}: analysed"
        return self._done[path]

    def word_times(self, path: Path) -> list[float] | None:
        """Start times of the words of a transcript made earlier (never transcribes: it is slow)."""
        path = Path(path).resolve()
        if not self.transcripts:
            return None
        if path not in self._words:
            from engine.jobs import run
            from engine.transcript.transcribe import transcribe_job

            try:
                options = {} if self._cache is None else {"cache": self._cache}
                t = run(transcribe_job(path, only_cached=True, **options))
            except Exception:  # noqa: BLE001 - a missing speech model only loses one feature
                t = None
            self._words[path] = [w.start for w in t.words] if t is not None and not t.reason else None
        return self._words[path]


def pieces_of(analysis, first: int = 0, last: int | None = None, start_s: float = 0.0,
              cut_at_start: bool = False) -> list[Piece]:
    """The shots of one analysed file between source frames ``first`` and ``last``."""
    emotion = analysis.emotion
    fps = float(analysis.shots.fps or 24)
    n = len(emotion.curve.arousal)
    last = n - 1 if last is None else min(last, n - 1)
    out: list[Piece] = []
    t = start_s
    for shot in emotion.shots:
        a, b = max(shot.start_frame, first), min(shot.end_frame, last)
        if b < a:
            continue
        out.append(Piece(t, (b - a + 1) / fps, dict(shot.features), emotion.curve.arousal[a:b + 1],
                         emotion.curve.valence[a:b + 1], fps, Path(analysis.path), a, b,
                         cut=bool(out) or cut_at_start))
        t += (b - a + 1) / fps
    return out


def _words_in(times: list[float] | None, first_s: float, last_s: float) -> int | None:
    if times is None:
        return None
    return sum(1 for w in times if first_s <= w < last_s)


def file_video_job(path: str | PathLike[str], sources: AnalysedSources) -> Job[Video]:
    """A media file as a ``Video``."""
    path = Path(path)
    analysis = yield from sources.analysis_job(path)
    pieces = pieces_of(analysis)
    length = sum(p.duration_s for p in pieces)
    words = _words_in(sources.word_times(path), 0.0, float("inf")) if analysis.info.audio else None
    return Video(path.name, pieces, length, words, bool(analysis.info.audio))


def edit_segments(timeline) -> list[tuple[float, Path | None, int, int]]:
    """(record start s, source file or None for a gap, first, last source frame) of the first
    picture track's items; transitions are left out (the cut is counted at the incoming clip)."""
    import opentimelineio as otio

    from engine.timeline import model, rates
    from engine.timeline.urls import url_to_path

    tracks = list(timeline.video_tracks())
    if not tracks:
        return []
    rate = model.timeline_rate(timeline)
    out = []
    t = 0.0
    for item in tracks[0]:
        if isinstance(item, otio.schema.Transition):
            continue
        length_s = rates.frames(item.duration(), rate) / float(rate)
        url = getattr(getattr(item, "media_reference", None), "target_url", None)
        if isinstance(item, otio.schema.Clip) and url and item.source_range is not None:
            facts = model.media_facts(item.media_reference, rate)
            first = rates.frames(item.source_range.start_time, facts.rate) - facts.start
            count = rates.frames(item.source_range.duration, facts.rate)
            out.append((t, Path(url_to_path(url)), first, first + count - 1))
        else:
            out.append((t, None, 0, 0))
        t += length_s
    return out


def edit_video_job(timeline, sources: AnalysedSources, name: str | None = None) -> Job[Video]:
    """An OpenTimelineIO timeline as a ``Video``: its picture track's pieces of analysed sources.

    Raises:
        MediaError: a source cannot be read.
        ValueError: the timeline has no clip of a media file.
    """
    segments = edit_segments(timeline)
    files = sorted({s[1] for s in segments if s[1] is not None})
    if not files:
        raise ValueError(f"{name or timeline.name}: no clip of a media file on the picture track")
    analyses = {}
    for i, f in enumerate(files):
        analyses[f] = yield from scaled(sources.analysis_job(f), i / len(files), (i + 1) / len(files))
    pieces: list[Piece] = []
    words, counted, has_sound = 0, False, False
    for start_s, f, first, last in segments:
        if f is None:
            continue
        a = analyses[f]
        pieces += pieces_of(a, first, last, start_s, cut_at_start=start_s > 0)
        fps = float(a.shots.fps or 24)
        w = _words_in(sources.word_times(f), first / fps, (last + 1) / fps) if a.info.audio else None
        if w is not None:
            words, counted = words + w, True
        has_sound |= bool(a.info.audio)
    length = max((p.start_s + p.duration_s for p in pieces), default=0.0)
    return Video(name or timeline.name or "edit", pieces, length, words if counted else None, has_sound)


def load_timeline(item: str | PathLike[str]):
    """The timeline ``item`` names (an ``.otio`` file or ``PROJECT.moviola:TIMELINE``); None for a media file.

    Raises:
        ValueError: an unreadable .otio, or no such timeline in the project.
    """
    text = str(item)
    if ".moviola:" in text:
        project_path, timeline_name = text.split(".moviola:", 1)
        return project_timeline(project_path + ".moviola", timeline_name)
    path = Path(item)
    if path.suffix.lower() == ".otio":
        import opentimelineio as otio

        try:
            return otio.adapters.read_from_file(str(path))
        except Exception as exc:  # noqa: BLE001 - otio raises many kinds for a bad file
            raise ValueError(f"{path}: not a readable .otio timeline ({exc})") from None
    return None


def video_job(item: str | PathLike[str], sources: AnalysedSources) -> Job[Video]:
    """A media file, an ``.otio`` edit, or ``PROJECT.moviola:TIMELINE`` as a ``Video``."""
    timeline = load_timeline(item)
    if timeline is None:
        return (yield from file_video_job(Path(item), sources))
    text = str(item)
    name = (f"{Path(text.split('.moviola:', 1)[0]).name}: {text.split('.moviola:', 1)[1]}"
            if ".moviola:" in text else Path(item).name)
    return (yield from edit_video_job(timeline, sources, name))


def project_timeline(project_path: str, name: str):
    """The timeline ``name`` of a saved project (the error lists the names there are)."""
    from engine.project import Project

    project = Project.load(project_path)
    found = [t for t in project.timelines if t.name == name]
    if not found:
        names = ", ".join(repr(t.name) for t in project.timelines) or "none"
        raise ValueError(f"{project_path}: no timeline named {name!r} (timelines: {names})")
    return found[0]
