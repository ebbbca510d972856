"""How Moviola's conventions sit on OpenTimelineIO objects, read in one place.

OTIO is the timeline model; what it lacks lives in ``metadata["moviola"]``:

- ``timeline.metadata["moviola"]``: ``rate`` ("24000/1001"), ``drop_frame`` (bool),
  ``width``/``height`` of the sequence.
- ``clip.metadata["moviola"]["emotion"]``: ``{label, valence, arousal, confidence}``.
- ``marker.metadata["moviola"]["emotion"]``: ``{label}`` at least; the marker's
  ``name``, ``comment`` and ``color`` are OTIO's own fields.
- ``reference.metadata["moviola"]["probe"]``: ``MediaInfo.to_dict()`` (from the stringout),
  or ``["media"]``: the facts an importer read (rate, frames, width, height, channels).

Writers work in whole frames at the timeline's exact rate; :func:`layout` turns each
track into frame-numbered placements once, for every writer.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction

import opentimelineio as otio

from engine.timeline import rates

NS = "moviola"
_EMOTION_COMMENT = re.compile(
    r"^emotion: (?P<label>[^;]*); valence=(?P<valence>-?[\d.]+); arousal=(?P<arousal>-?[\d.]+); "
    r"confidence=(?P<confidence>-?[\d.]+)$")
_EMOTION_SUFFIX = re.compile(r"\s*\[emotion: (?P<label>[^\]]*)\]$")


def meta(obj) -> dict:
    """The object's ``metadata["moviola"]`` (created when missing)."""
    return obj.metadata.setdefault(NS, {})


def _is_map(value) -> bool:
    # OTIO hands nested metadata back as AnyDictionary, which is not a dict.
    return value is not None and hasattr(value, "get") and hasattr(value, "keys")


def lookup(obj, *keys, default=None):
    """``obj.metadata["moviola"][key1][key2]...``, or ``default`` when any step is missing."""
    node = obj.metadata.get(NS) if hasattr(obj, "metadata") else None
    for key in keys:
        if not hasattr(node, "get"):
            return default
        node = node.get(key)
    return default if node is None else node


# -- timeline -------------------------------------------------------------------------

def timeline_rate(timeline: otio.schema.Timeline) -> Fraction:
    """The timeline's exact frame rate (stored, or the first timed object's, or 24)."""
    stored = lookup(timeline, "rate")
    if stored:
        return rates.exact_rate(str(stored))
    if timeline.global_start_time is not None:
        return rates.exact_rate(timeline.global_start_time.rate)
    for item in timeline.find_children():
        if isinstance(item, (otio.schema.Clip, otio.schema.Gap)) and item.source_range:
            return rates.exact_rate(item.source_range.duration.rate)
    return Fraction(24)


def drop_frame(timeline: otio.schema.Timeline) -> bool:
    """Whether its timecode is drop-frame (stored, else the sources' timecode says so)."""
    rate = timeline_rate(timeline)
    if not rates.supports_drop_frame(rate):
        return False
    stored = lookup(timeline, "drop_frame")
    if stored is not None:
        return bool(stored)
    for clip in timeline.find_clips():
        tc = lookup(clip.media_reference, "probe", "start_timecode")
        if isinstance(tc, str):
            return ";" in tc
    return False


def start_frame(timeline: otio.schema.Timeline) -> int:
    """The sequence's first timecode as a frame number (0 when it has none)."""
    start = timeline.global_start_time
    return rates.frames(start, timeline_rate(timeline)) if start is not None else 0


def set_timeline_facts(timeline: otio.schema.Timeline, rate, drop: bool,
                       width: int | None = None, height: int | None = None) -> None:
    """Record the exact rate and timecode mode (importers call this)."""
    facts = meta(timeline)
    facts["rate"] = rates.rate_string(rate)
    facts["drop_frame"] = bool(drop and rates.supports_drop_frame(rate))
    if width and height:
        facts["width"], facts["height"] = int(width), int(height)


def frame_size(timeline: otio.schema.Timeline) -> tuple[int, int]:
    """Sequence width and height: stored, or the first clip's media, or 1920x1080."""
    width, height = lookup(timeline, "width"), lookup(timeline, "height")
    if width and height:
        return int(width), int(height)
    for clip in timeline.find_clips():
        facts = media_facts(clip.media_reference, timeline_rate(timeline))
        if facts.width and facts.height:
            return facts.width, facts.height
    return 1920, 1080


# -- media ------------------------------------------------------------------------------

@dataclass
class MediaFacts:
    """What writers need to know about a clip's media, all in the media's own frames.

    Attributes:
        start: First frame's timecode as a frame count at ``rate``.
        frames: Length in frames, or None when unknown.
    """

    url: str | None
    name: str
    rate: Fraction
    start: int = 0
    frames: int | None = None
    width: int | None = None
    height: int | None = None
    has_video: bool = True
    has_audio: bool = True
    channels: int = 2
    sample_rate: int = 48000
    drop_frame: bool = False
    audio_streams: list[int] = field(default_factory=lambda: [2])  # channels of each sound stream


def media_facts(ref: otio.core.MediaReference | None, fallback_rate) -> MediaFacts:
    """Facts of a media reference from its probe or imported metadata, else its range."""
    from engine.timeline.urls import file_name  # local: urls imports nothing of ours, but keep it lazy

    url = getattr(ref, "target_url", None) or None
    name = (ref.name if ref is not None and ref.name else None) or (file_name(url) if url else "")
    available = ref.available_range if ref is not None else None
    rate = rates.exact_rate(available.duration.rate) if available else rates.exact_rate(fallback_rate)
    facts = MediaFacts(url=url, name=name, rate=rate)
    probe = lookup(ref, "probe") if ref is not None else None
    stored = lookup(ref, "media") if ref is not None else None
    if _is_map(probe):
        video = probe.get("video") or {}
        if video.get("frame_rate"):
            facts.rate = rates.exact_rate(str(video["frame_rate"]))
        facts.has_video = bool(video)
        facts.width, facts.height = video.get("width"), video.get("height")
        facts.frames = video.get("frame_count")
        audio = probe.get("audio") or []
        facts.has_audio = bool(audio)
        if audio:
            facts.channels = int(audio[0].get("channels") or 2)
            facts.sample_rate = int(audio[0].get("sample_rate") or 48000)
            facts.audio_streams = [int(a.get("channels") or 2) for a in audio]
        tc = probe.get("start_timecode")
        if isinstance(tc, str):
            facts.drop_frame = ";" in tc and rates.supports_drop_frame(facts.rate)
            try:
                facts.start = rates.from_timecode(tc, facts.rate, facts.drop_frame)
            except ValueError:
                pass
    elif _is_map(stored):
        if stored.get("rate"):
            facts.rate = rates.exact_rate(str(stored["rate"]))
        for key in ("width", "height", "frames", "channels", "sample_rate"):
            if stored.get(key) is not None:
                setattr(facts, key, int(stored[key]))
        facts.has_video = bool(stored.get("has_video", True))
        facts.has_audio = bool(stored.get("has_audio", True))
        facts.drop_frame = bool(stored.get("drop_frame", False))
        streams = stored.get("audio_streams")
        facts.audio_streams = [int(c) for c in streams] if streams else [facts.channels]
    if available is not None:
        facts.start = rates.frames(available.start_time, facts.rate)
        if facts.frames is None:
            facts.frames = rates.frames(available.duration, facts.rate)
    return facts


def store_media_facts(ref: otio.core.MediaReference, facts: MediaFacts) -> None:
    """Keep what an importer read about media on its reference."""
    meta(ref)["media"] = {
        "rate": rates.rate_string(facts.rate), "frames": facts.frames, "width": facts.width,
        "height": facts.height, "has_video": facts.has_video, "has_audio": facts.has_audio,
        "channels": facts.channels, "sample_rate": facts.sample_rate, "drop_frame": facts.drop_frame,
        "audio_streams": list(facts.audio_streams),
    }


def speed(item) -> Fraction | None:
    """A clip's constant speed from its LinearTimeWarps (2 is twice as fast, negative is
    reversed, 0 a freeze), or None at 100%."""
    scalar = 1.0
    for effect in getattr(item, "effects", ()):
        if isinstance(effect, otio.schema.LinearTimeWarp):
            scalar *= effect.time_scalar
    return None if scalar == 1.0 else Fraction(scalar).limit_denominator(10_000)


# -- emotion and markers ------------------------------------------------------------------

def clip_emotion(clip) -> dict | None:
    """The clip's ``{label, valence, arousal, confidence}``, or None."""
    emotion = lookup(clip, "emotion")
    return dict(emotion) if _is_map(emotion) and emotion.get("label") else None


def emotion_comment(emotion: dict) -> str:
    """How a shot's scores travel in a marker comment (parsed back by :func:`parse_emotion_comment`)."""
    return (f"emotion: {emotion.get('label', '')}; valence={float(emotion.get('valence', 0)):.3f}; "
            f"arousal={float(emotion.get('arousal', 0)):.3f}; "
            f"confidence={float(emotion.get('confidence', 0)):.3f}")


def parse_emotion_comment(comment: str | None) -> dict | None:
    """Inverse of :func:`emotion_comment`; None for any other comment."""
    match = _EMOTION_COMMENT.match(comment or "")
    if not match:
        return None
    return {"label": match["label"], "valence": float(match["valence"]),
            "arousal": float(match["arousal"]), "confidence": float(match["confidence"])}


def emotion_color(emotion: dict) -> str:
    """Marker colour for a shot's emotion: the sign of its valence."""
    valence = float(emotion.get("valence", 0))
    if valence > 0.2:
        return otio.schema.MarkerColor.GREEN
    if valence < -0.2:
        return otio.schema.MarkerColor.RED
    return otio.schema.MarkerColor.YELLOW


TRANSCRIPT = "transcript"
_TRANSCRIPT_TAG = "[transcript]"


def is_transcript(marker: otio.schema.Marker) -> bool:
    """A spoken line (the transcripts contract): ``metadata["moviola"]["kind"] == "transcript"``,
    the line's text as the name, its range in the clip's source time as ``marked_range``."""
    return lookup(marker, "kind") == TRANSCRIPT


def transcript_marker(text: str, start: int, duration: int, rate) -> otio.schema.Marker:
    """A spoken line as a clip marker (frames at ``rate``, in the clip's source time)."""
    marker = otio.schema.Marker(name=text, marked_range=rates.time_range(start, duration, rate),
                                color=otio.schema.MarkerColor.WHITE)
    meta(marker)["kind"] = TRANSCRIPT
    return marker


def marker_comment(marker: otio.schema.Marker) -> str:
    """The comment written to XML: OTIO's comment plus the emotion label, if any, and a
    ``[transcript]`` tag on spoken lines (where a format has no captions to hold them)."""
    comment = marker.comment or ""
    label = lookup(marker, "emotion", "label")
    comment = f"{comment} [emotion: {label}]".lstrip() if label else comment
    return f"{comment} {_TRANSCRIPT_TAG}".lstrip() if is_transcript(marker) else comment


def split_marker_comment(text: str | None) -> tuple[str, str | None]:
    """Inverse of :func:`marker_comment`: ``(comment, emotion label or None)``."""
    text = text or ""
    match = _EMOTION_SUFFIX.search(text)
    if not match:
        return text, None
    return text[:match.start()], match["label"]


def make_marker(name: str, start: int, duration: int, rate, comment: str = "",
                color: str | None = None) -> otio.schema.Marker:
    """A marker from XML fields, with an emotion label and the transcript tag split out of
    the comment."""
    spoken = (comment or "").endswith(_TRANSCRIPT_TAG)
    if spoken:
        comment = comment[:-len(_TRANSCRIPT_TAG)].rstrip()
    comment, label = split_marker_comment(comment)
    marker = otio.schema.Marker(name=name or "", marked_range=rates.time_range(start, duration, rate),
                                color=color or otio.schema.MarkerColor.GREEN, comment=comment)
    if label:
        meta(marker)["emotion"] = {"label": label}
    if spoken:
        meta(marker)["kind"] = TRANSCRIPT
    return marker


MERGE = " · "


def merge_markers(entries) -> list[tuple[int, otio.schema.Marker]]:
    """One marker per frame: ``(frame, marker)`` pairs that share a frame become one
    whose name and comment join theirs with " · " ("joyful · cut 3").

    Resolve keeps one marker per frame of a clip and drops the rest. Spoken lines
    (:func:`is_transcript`) are never merged: their name is the line's text.
    """
    entries = list(entries)
    spoken = [(frame, marker) for frame, marker in entries if is_transcript(marker)]
    merged: dict[int, otio.schema.Marker] = {}
    for frame, marker in sorted((e for e in entries if not is_transcript(e[1])), key=lambda e: e[0]):
        if frame not in merged:
            merged[frame] = marker
            continue
        first = merged[frame]
        joined = otio.schema.Marker(
            name=MERGE.join(n for n in (first.name, marker.name) if n),
            marked_range=first.marked_range if first.marked_range.duration >= marker.marked_range.duration
            else marker.marked_range,
            color=first.color, comment=MERGE.join(c for c in (first.comment, marker.comment) if c))
        label = lookup(first, "emotion", "label") or lookup(marker, "emotion", "label")
        if label:
            meta(joined)["emotion"] = {"label": label}
        merged[frame] = joined
    return sorted([*merged.items(), *spoken], key=lambda e: e[0])


def unmerge_emotion(marker: otio.schema.Marker) -> tuple[dict | None, otio.schema.Marker | None]:
    """Inverse of a shot-emotion marker merged by :func:`merge_markers`:
    ``(clip emotion or None, the remaining marker or None)``."""
    head, _, rest = (marker.comment or "").partition(MERGE)
    emotion = parse_emotion_comment(head)
    if emotion is None:
        return None, marker
    if not rest:
        return emotion, None
    marker.comment = rest
    if MERGE in (marker.name or ""):
        marker.name = marker.name.split(MERGE, 1)[1]
    return emotion, marker


def attach_marker(item, marker: otio.schema.Marker) -> None:
    """Put an imported clip marker on ``item``; the shot-emotion marker at the clip's head
    (as writers put a clip's emotion) becomes the clip's emotion again. Emotion markers
    elsewhere in the clip (an annotated timeline's further shots) stay markers."""
    at_head = isinstance(item, otio.schema.Clip) and item.source_range is not None and \
        abs((marker.marked_range.start_time - item.source_range.start_time).to_seconds()) \
        < 0.5 / item.source_range.start_time.rate
    if at_head and clip_emotion(item) is None:
        emotion, rest = unmerge_emotion(marker)
        if emotion:
            meta(item)["emotion"] = emotion
            if rest is not None:
                item.markers.append(rest)
            return
    item.markers.append(marker)


# -- layout -------------------------------------------------------------------------------

@dataclass
class Placed:
    """One item of a track in whole frames at the timeline rate.

    Attributes:
        start: Record (timeline) frame where the item begins, counted from 0.
        duration: Frames it occupies on the track.
        source: First frame used of the source, in the item's media time converted
            to the timeline rate (clips) or 0 (gaps, nested stacks without a range).
        head/tail: Transition overlap into the previous/next item (handles used).
    """

    item: otio.core.Item
    start: int
    duration: int
    source: int = 0
    head: int = 0
    tail: int = 0

    @property
    def end(self) -> int:
        return self.start + self.duration


@dataclass
class PlacedTransition:
    """A transition centred on a cut: ``before`` frames ahead of it, ``after`` past it."""

    item: otio.schema.Transition
    cut: int
    before: int
    after: int

    @property
    def start(self) -> int:
        return self.cut - self.before

    @property
    def end(self) -> int:
        return self.cut + self.after


@dataclass
class TrackLayout:
    track: otio.schema.Track
    items: list[Placed] = field(default_factory=list)
    transitions: list[PlacedTransition] = field(default_factory=list)

    @property
    def clips(self) -> list[Placed]:
        """Items that are not gaps."""
        return [p for p in self.items if not isinstance(p.item, otio.schema.Gap)]


def layout(track: otio.schema.Track, rate) -> TrackLayout:
    """Frame-numbered placements of a track's items and transitions at ``rate``."""
    result = TrackLayout(track)
    position = 0
    pending: PlacedTransition | None = None
    for item in track:
        if isinstance(item, otio.schema.Transition):
            pending = PlacedTransition(item, position, rates.frames(item.in_offset, rate),
                                       rates.frames(item.out_offset, rate))
            result.transitions.append(pending)
            if result.items:
                result.items[-1].tail = pending.after
            continue
        duration = rates.frames(item.duration(), rate)
        source = 0
        if item.source_range is not None and not isinstance(item, otio.schema.Gap):
            source = rates.frames(item.source_range.start_time, rate)
        limit = _media_end(item, rate) if isinstance(item, otio.schema.Clip) else None
        short = source + duration - limit if limit is not None and source < limit < source + duration else 0
        if short > 1:
            # Not grid rounding (at most one frame) but a timeline asking for more than the
            # media holds (a stand-in shorter than its shot): that edit is the editor's.
            short = 0
        placed = Placed(item, position, duration - short, source)
        if pending is not None:
            placed.head = pending.before
            pending = None
        result.items.append(placed)
        if short:
            # Rounding to the sequence grid would run past the media's last frame (a 25 fps
            # clip on a 23.976 timeline): the clip ends there and a gap keeps everything after in place.
            result.items.append(Placed(otio.schema.Gap(name="media end"), position + duration - short, short))
        position += duration
    return result


def _media_end(clip: otio.schema.Clip, rate) -> int | None:
    """The frame after the media's last, in frames at ``rate`` (None when unknown)."""
    ref = clip.media_reference
    if not isinstance(ref, otio.schema.ExternalReference) or clip.source_range is None:
        return None
    facts = media_facts(ref, rate)
    if not facts.frames:
        return None
    exact = rates.exact_rate(rate)
    start = rates.frames(rates.rational(facts.start, facts.rate), exact)
    return start + int(Fraction(facts.frames) * exact / facts.rate)
