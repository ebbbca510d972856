"""A selects timeline built from transcripts: the words an editor picks become clips on it, and
its filler words and long pauses come out in one undoable edit.

Each clip carries the words it holds (``metadata["moviola"]["words"]``: ``[start, end, text]``
in the media file's seconds), so the selects timeline is whole on its own: saved with the
project, reopened, and tightened later without the transcript at hand.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

import opentimelineio as otio

from engine.media import MediaInfo
from engine.project.edits import Edit
from engine.timeline import rates
from engine.timeline.model import lookup, meta, set_timeline_facts
from engine.timeline.stringout import media_reference

from .gaps import PAUSE_S, is_filler
from .result import Word

SELECTS = "Selects"
KIND = "selects"
#: Room left on each side of a removed pause, so a cut does not clip a breath or a consonant.
HANDLE_S = 0.12


def find_selects(project, name: str = SELECTS) -> otio.schema.Timeline | None:
    """The project's selects timeline called `name`, or None."""
    return next((t for t in project.timelines
                 if lookup(t, "kind") == KIND and t.name == name), None)


def new_selects(name: str, rate) -> otio.schema.Timeline:
    timeline = otio.schema.Timeline(name=name)
    meta(timeline)["kind"] = KIND
    set_timeline_facts(timeline, rate, False)
    timeline.tracks.append(otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video))
    timeline.tracks.append(otio.schema.Track(name="A1", kind=otio.schema.TrackKind.Audio))
    return timeline


def words_clips(info: MediaInfo, words: Sequence[Word]) -> tuple[otio.schema.Clip, otio.schema.Clip | None]:
    """A picture clip and (with sound) its sound clip over `words`, from the first word's
    start to the last one's end, in whole frames of the media."""
    if info.video is None:
        raise ValueError(f"{info.path.name}: a selects timeline takes clips with picture")
    if not words:
        raise ValueError("select some words first")
    ref = media_reference(info)
    rate = info.video.frame_rate
    first = math.floor(words[0].start * float(rate) + 1e-6)
    last = math.ceil(words[-1].end * float(rate) - 1e-6)
    if info.video.frame_count:
        last = min(last, info.video.frame_count)
    clip = _clip(info.path.name, ref, first, max(last, first + 1), rate, words)
    sound = None
    if info.audio:
        sound = clip.clone()
    return clip, sound


def _clip(name: str, ref, first: int, end: int, rate, words: Sequence[Word]) -> otio.schema.Clip:
    """A clip of frames [first, end) of the media (counted from its first frame)."""
    offset = rates.frames(ref.available_range.start_time, rate)
    clip = otio.schema.Clip(name=name, media_reference=ref.clone(),
                            source_range=rates.time_range(offset + first, end - first, rate))
    meta(clip)["words"] = [[w.start, w.end, w.word] for w in words]
    return clip


def clip_words(clip: otio.schema.Clip) -> list[Word]:
    """The words a selects clip holds (file seconds)."""
    return [Word(float(s), float(e), str(t)) for s, e, t in (lookup(clip, "words", default=[]) or [])]


def kept_pieces(words: Sequence[Word], pause: float = PAUSE_S,
                handle: float = HANDLE_S) -> list[tuple[float, float, list[Word]]]:
    """The stretches of `words` to keep, in file seconds, once filler words and pauses of at
    least `pause` seconds are taken out: (start, end, the words kept in it)."""
    pieces: list[tuple[float, float, list[Word]]] = []
    current: list[Word] = []
    start: float | None = None  # where the piece being built begins
    for word in words:
        if is_filler(word):
            if current:  # the piece ends where the hesitation begins (or soon after its last word)
                pieces.append((start, min(word.start, current[-1].end + handle), current))
                current = []
            start = word.end
            continue
        if current and word.start - current[-1].end >= pause:
            pieces.append((start, current[-1].end + handle, current))
            start = current[-1].end + handle
            current = []
        if not current:
            start = word.start if start is None else max(word.start - handle, start)
        current.append(word)
    if current:
        pieces.append((start, current[-1].end, current))
    return [(a, b, kept) for a, b, kept in pieces if b > a]


class AddToSelects(Edit):
    """Clips (a picture clip and its sound) at the end of the selects timeline; the timeline is
    made, at the media's rate, when the project has none by that name."""

    def __init__(self, clip: otio.schema.Clip, sound: otio.schema.Clip | None,
                 name: str = SELECTS) -> None:
        self.clip, self.sound, self.name = clip, sound, name
        self.text = f"Add “{_said(clip_words(clip))}” to {name}"
        self.timeline: otio.schema.Timeline | None = None
        self._created = False

    def apply(self, project) -> None:
        self.timeline = find_selects(project, self.name)
        self._created = self.timeline is None
        if self._created:
            self.timeline = new_selects(self.name, self.clip.source_range.duration.rate)
        video, audio = _tracks(self.timeline)
        rate = rates.exact_rate(self.clip.source_range.duration.rate)
        if rate != rates.exact_rate(str(lookup(self.timeline, "rate") or rate)):
            raise ValueError(f"“{self.name}” runs at {lookup(self.timeline, 'rate')} fps; "
                             f"this clip at {rates.rate_string(rate)}")
        video.append(self.clip)
        duration = self.clip.source_range.duration
        audio.append(self.sound if self.sound is not None else otio.schema.Gap(
            source_range=otio.opentime.TimeRange(duration=duration)))
        self._sound_item = audio[len(audio) - 1]
        if self._created:
            project.timelines.append(self.timeline)
        project.timeline_edited()

    def revert(self, project) -> None:
        video, audio = _tracks(self.timeline)
        for track, item in ((video, self.clip), (audio, self._sound_item)):
            for i, present in enumerate(track):
                if present is item:
                    del track[i]
                    break
        if self._created and self.timeline in project.timelines:
            project.timelines.remove(self.timeline)
        project.timeline_edited()


class RemoveFillersAndPauses(Edit):
    """Every clip of a selects timeline split around its filler words and its pauses of at
    least `pause` seconds, the pieces closed up (a ripple delete on both tracks)."""

    def __init__(self, name: str = SELECTS, pause: float = PAUSE_S) -> None:
        self.name, self.pause = name, pause
        self.text = f"Remove fillers and pauses from {name}"
        self.removed_s = 0.0
        self._before: list[tuple[otio.schema.Track, list]] = []
        self._after: list[tuple[otio.schema.Track, list]] = []

    def apply(self, project) -> None:
        timeline = find_selects(project, self.name)
        if timeline is None:
            raise ValueError(f"the project has no “{self.name}” timeline yet: add a selection to it first")
        if not self._after:
            self._plan(timeline)
        for track, items in self._after:
            _refill(track, items)
        project.timeline_edited()

    def revert(self, project) -> None:
        for track, items in self._before:
            _refill(track, items)
        project.timeline_edited()

    def _plan(self, timeline: otio.schema.Timeline) -> None:
        video, audio = _tracks(timeline)
        rate = rates.exact_rate(str(lookup(timeline, "rate"))) if lookup(timeline, "rate") else None
        new_video, new_audio, removed = [], [], Fraction(0)
        for index, item in enumerate(video):
            sound = audio[index] if index < len(audio) else None
            pieces = self._pieces(item, rate) if isinstance(item, otio.schema.Clip) else None
            if pieces is None:
                new_video.append(item.clone())
                new_audio.append(sound.clone() if sound is not None else None)
                continue
            before = item.source_range.duration.value
            for start, duration, kept in pieces:
                for target, source in ((new_video, item), (new_audio, sound)):
                    if source is None:
                        target.append(None)
                        continue
                    piece = source.clone()
                    piece.source_range = rates.time_range(start, duration, rate or
                                                          source.source_range.duration.rate)
                    if isinstance(piece, otio.schema.Clip):
                        meta(piece)["words"] = [[w.start, w.end, w.word] for w in kept]
                    target.append(piece)
                removed -= duration
            removed += int(before)
        if removed <= 0:
            raise ValueError(f"“{self.name}” has no filler word and no pause of {self.pause:g} s or more")
        self.removed_s = float(removed / (rate or Fraction(24)))
        self._before = [(video, list(video)), (audio, list(audio))]
        self._after = [(video, new_video), (audio, [a for a in new_audio if a is not None])]

    def _pieces(self, clip: otio.schema.Clip, rate) -> list[tuple[int, int, list[Word]]] | None:
        """(first frame, frame count, words) of each piece of `clip` to keep; None: keep it whole."""
        words = clip_words(clip)
        if not words:
            return None
        rate = rate or rates.exact_rate(clip.source_range.duration.rate)
        fps = float(rate)
        offset = rates.frames(clip.media_reference.available_range.start_time, rate) \
            if clip.media_reference is not None and clip.media_reference.available_range else 0
        first = rates.frames(clip.source_range.start_time, rate)
        end = first + rates.frames(clip.source_range.duration, rate)
        out: list[tuple[int, int, list[Word]]] = []
        pieces = kept_pieces(words, self.pause)
        for start_s, end_s, kept in pieces:
            # the clip's own head and tail stay: only what lies between its pieces goes
            a = first if kept[0] is words[0] else max(first, offset + math.floor(start_s * fps + 1e-6))
            b = end if kept[-1] is words[-1] else min(end, offset + math.ceil(end_s * fps - 1e-6))
            if out and a <= out[-1][0] + out[-1][1]:  # pieces that meet in one frame join
                prev = out.pop()
                a, kept = prev[0], prev[2] + kept
            if b > a:
                out.append((a, b - a, kept))
        if len(out) == 1 and out[0][0] == first and out[0][1] == end - first:
            return None
        return out


def _tracks(timeline: otio.schema.Timeline) -> tuple[otio.schema.Track, otio.schema.Track]:
    video = next(t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Video)
    audio = next(t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Audio)
    return video, audio


def _refill(track: otio.schema.Track, items: list) -> None:
    del track[:]
    for item in items:
        parent = item.parent()
        if parent is not None:
            parent.remove(item)
        track.append(item)


def _said(words: Sequence[Word], limit: int = 40) -> str:
    text = " ".join(w.text for w in words)
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"
