"""Final Cut Pro 7 XML (``<xmeml version="4">``), the format Premiere Pro imports.

Built from the OTIO timeline with lxml, not with otio-fcp-adapter's writer, which
leaves ``pathurl`` unencoded, drops marker comments and colours and duplicates markers
(see ../shared/nle/CHECKLIST.md). Layout follows Premiere's own exports: every ``file``
is defined in full once and referenced by id after; linked picture and sound share
``link`` sets; stereo sound is an "exploded" pair of tracks, as Premiere writes it;
clips next to a transition have ``start``/``end`` -1 and handles in ``in``/``out``.
"""
from __future__ import annotations

from fractions import Fraction

import opentimelineio as otio
from lxml import etree

from engine.timeline import model, rates
from engine.timeline.urls import path_to_url, url_to_path

# Premiere's marker colours (<pproColor>, 0xAABBGGRR); green is its default and has no tag.
PPRO_COLORS = {
    otio.schema.MarkerColor.RED: 4281740498, otio.schema.MarkerColor.YELLOW: 4281049552,
    otio.schema.MarkerColor.PURPLE: 4289825711, otio.schema.MarkerColor.ORANGE: 4280578025,
    otio.schema.MarkerColor.WHITE: 4294967295, otio.schema.MarkerColor.BLUE: 4294741314,
    otio.schema.MarkerColor.CYAN: 4292277273,
    # No Premiere equivalents: the nearest of its eight.
    otio.schema.MarkerColor.PINK: 4289825711, otio.schema.MarkerColor.MAGENTA: 4289825711,
    otio.schema.MarkerColor.BLACK: 4294967295,
}
COLOR_BY_PPRO = {value: name for name, value in reversed(list(PPRO_COLORS.items()))}
# Premiere's tick: 1/254016000000 s, exact for every rate we support.
TICKS_PER_SECOND = 254016000000


def _sub(parent, tag, text=None, **attrib):
    element = etree.SubElement(parent, tag, {k: str(v) for k, v in attrib.items()})
    if text is not None:
        element.text = str(text)
    return element


def _rate(parent, rate) -> None:
    base, ntsc = rates.timebase(rate)
    element = _sub(parent, "rate")
    _sub(element, "timebase", base)
    _sub(element, "ntsc", "TRUE" if ntsc else "FALSE")


def _timecode(parent, frame: int, rate, drop: bool, reel: str | None = None) -> None:
    drop = drop and rates.supports_drop_frame(rate)
    element = _sub(parent, "timecode")
    _rate(element, rate)
    _sub(element, "string", rates.to_timecode(frame, rate, drop))
    _sub(element, "frame", frame)
    _sub(element, "displayformat", "DF" if drop else "NDF")
    if reel is not None:
        _sub(_sub(element, "reel"), "name", reel)


class XmemlWriter:
    """Writes timelines as sequences of one document; holds the id counters and the set
    of files defined so far (a later sequence references a file the first defined)."""

    def __init__(self, timelines: otio.schema.Timeline | list[otio.schema.Timeline]):
        self.timelines = [timelines] if isinstance(timelines, otio.schema.Timeline) else list(timelines)
        self._use(self.timelines[0])
        self._clip_ids = 0
        self._seq_ids = 0
        self._files: dict[tuple, str] = {}  # (url, start, frames, rate) -> file id
        self._groups: dict[int, tuple] = {}  # id(clip) -> its link group, nested sequences included
        self.skipped: list[str] = []  # what xmeml could not carry, for the export report

    def _use(self, timeline: otio.schema.Timeline) -> None:
        """The timeline whose sequence is written next: its rate, timecode and frame size."""
        self.timeline = timeline
        self.rate = model.timeline_rate(timeline)
        self.drop = model.drop_frame(timeline)
        self.width, self.height = model.frame_size(timeline)

    # -- document ----------------------------------------------------------------------

    def document(self, version: int = 4) -> bytes:
        root = etree.Element("xmeml", version=str(version))
        for timeline in self.timelines:  # top-level sequences, each imported as its own
            self._use(timeline)
            sequence = self.sequence(root, timeline.tracks, timeline.name or "Sequence",
                                     model.start_frame(timeline))
            for marker in timeline.tracks.markers:
                self.marker(sequence, marker, 0)
        body = etree.tostring(root, encoding="UTF-8", pretty_print=True, xml_declaration=False)
        return b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE xmeml>\n' + body

    def sequence(self, parent, stack: otio.schema.Stack, name: str, tc_start: int):
        """A ``sequence`` for a stack (the timeline's, or a nested one)."""
        self._seq_ids += 1
        sequence = _sub(parent, "sequence", id=f"sequence-{self._seq_ids}")
        _sub(sequence, "name", name)
        video_layouts = [model.layout(t, self.rate) for t in stack
                         if isinstance(t, otio.schema.Track) and t.kind == otio.schema.TrackKind.Video]
        audio_layouts = [model.layout(t, self.rate) for t in stack
                         if isinstance(t, otio.schema.Track) and t.kind == otio.schema.TrackKind.Audio]
        duration = max([p.end for lay in video_layouts + audio_layouts for p in lay.items] or [0])
        _sub(sequence, "duration", duration)
        _rate(sequence, self.rate)
        _timecode(sequence, tc_start, self.rate, self.drop)
        media = _sub(sequence, "media")
        video = _sub(media, "video")
        characteristics = _sub(_sub(video, "format"), "samplecharacteristics")
        _rate(characteristics, self.rate)
        _sub(characteristics, "width", self.width)
        _sub(characteristics, "height", self.height)
        _sub(characteristics, "anamorphic", "FALSE")
        _sub(characteristics, "pixelaspectratio", "square")
        _sub(characteristics, "fielddominance", "none")
        audio = _sub(media, "audio")
        _sub(audio, "numOutputChannels", 2)
        audio_format = _sub(_sub(audio, "format"), "samplecharacteristics")
        _sub(audio_format, "depth", 16)
        _sub(audio_format, "samplerate", 48000)

        # Ids first, so links can name clipitems on tracks not written yet.
        self._cluster(video_layouts + audio_layouts)
        plan = self._plan(video_layouts, audio_layouts)
        for index, lay in enumerate(video_layouts, 1):
            self.track(video, lay, "video", index, plan, channel=None)
        audio_index = 0
        for lay in audio_layouts:
            channels = 2 if self._stereo(lay) else 1
            for channel in range(1, channels + 1):
                audio_index += 1
                self.track(audio, lay, "audio", audio_index, plan, channel=channel,
                           exploded=(channel - 1, channels))
        return sequence

    # -- linking -------------------------------------------------------------------------

    def _stereo(self, lay: model.TrackLayout) -> bool:
        stored = model.lookup(lay.track, "channels")
        if stored:
            return int(stored) >= 2
        for placed in lay.clips:
            if isinstance(placed.item, otio.schema.Clip):
                return model.media_facts(placed.item.media_reference, self.rate).channels >= 2
        return False

    @staticmethod
    def _source_channel(item, facts: model.MediaFacts | None, channel: int | None) -> int:
        """The file's channel a clip plays: stream k's channels follow those of streams 1..k-1."""
        stream = int(model.lookup(item, "stream") or 1)
        before = sum((facts.audio_streams if facts else [])[:stream - 1])
        return before + (channel or 1)

    def _plan(self, video_layouts, audio_layouts) -> dict:
        """clipitem ids per (track kind, xml track index, item) and the link groups."""
        ids: dict[tuple, str] = {}
        groups: dict[tuple, list[tuple[str, str, int, int]]] = {}
        for kind, layouts in (("video", video_layouts), ("audio", audio_layouts)):
            xml_track = 0
            for lay in layouts:
                channels = (2 if self._stereo(lay) else 1) if kind == "audio" else 1
                for _channel in range(channels):
                    xml_track += 1
                    clip_index = 0
                    for placed in lay.clips:
                        clip_index += 1
                        self._clip_ids += 1
                        clip_id = f"clipitem-{self._clip_ids}"
                        ids[(kind, xml_track, id(placed.item))] = clip_id
                        key = self._link_key(placed)
                        if key is not None:
                            groups.setdefault(key, []).append((clip_id, kind, xml_track, clip_index))
        return {"ids": ids, "groups": {k: v for k, v in groups.items() if len(v) > 1}}

    def _cluster(self, layouts) -> None:
        """Link groups: clips of one file played in sync (same source minus record offset)
        whose record ranges overlap. A J- or L-cut's sound has its own in/out but stays
        linked to its picture."""
        by_sync: dict[tuple, list[model.Placed]] = {}
        for lay in layouts:
            for placed in lay.clips:
                item = placed.item
                url = getattr(getattr(item, "media_reference", None), "target_url", None)
                if isinstance(item, otio.schema.Clip) and url:
                    sync = (url, placed.source - placed.start, model.lookup(item, "link_group"))
                    by_sync.setdefault(sync, []).append(placed)
        for sync, members in by_sync.items():
            members.sort(key=lambda p: p.start)
            cluster, end = 0, None
            for placed in members:
                if end is not None and placed.start >= end:
                    cluster += 1
                    end = None
                end = placed.end if end is None else max(end, placed.end)
                self._groups[id(placed.item)] = (*sync, cluster)

    def _link_key(self, placed: model.Placed):
        return self._groups.get(id(placed.item))

    # -- tracks and items ------------------------------------------------------------------

    def track(self, parent, lay: model.TrackLayout, kind: str, xml_index: int, plan: dict,
              channel: int | None, exploded: tuple[int, int] = (0, 1)):
        attrib = {}
        if kind == "audio":
            attrib = {"currentExplodedTrackIndex": exploded[0], "totalExplodedTrackCount": exploded[1],
                      "premiereTrackType": "Stereo" if exploded[1] == 2 else "Mono"}
        track = _sub(parent, "track", **attrib)
        if lay.track.name:
            _sub(track, "name", lay.track.name)
        events = [(p.start, 1, p) for p in lay.clips] + [(t.start, 0, t) for t in lay.transitions]
        for _start, _order, event in sorted(events, key=lambda e: (e[0], e[1])):
            if isinstance(event, model.PlacedTransition):
                self.transition(track, event, kind)
            else:
                clip_id = plan["ids"][(kind, xml_index, id(event.item))]
                self.clipitem(track, event, clip_id, kind, plan, channel, exploded)
        _sub(track, "enabled", "TRUE" if lay.track.enabled else "FALSE")
        _sub(track, "locked", "FALSE")
        if kind == "audio":
            _sub(track, "outputchannelindex", (channel or 1) if exploded[1] == 2 else 1)
        return track

    def transition(self, parent, placed: model.PlacedTransition, kind: str) -> None:
        element = _sub(parent, "transitionitem")
        _sub(element, "start", placed.start)
        _sub(element, "end", placed.end)
        if placed.before == placed.after:
            alignment = "center"
        elif placed.before == 0:
            alignment = "start-black" if placed.start == 0 else "start"
        elif placed.after == 0:
            alignment = "end-black"
        else:
            alignment = "center"
        _sub(element, "alignment", alignment)
        # Premiere reads the exact cut from ticks; FCP 7 from the alignment.
        _sub(element, "cutPointTicks", int(Fraction(placed.before) / self.rate * TICKS_PER_SECOND))
        _rate(element, self.rate)
        effect = _sub(element, "effect")
        name = placed.item.name or ("Cross Dissolve" if kind == "video" else "Cross Fade (+3dB)")
        _sub(effect, "name", name)
        _sub(effect, "effectid", model.lookup(placed.item, "effectid") or
             ("Cross Dissolve" if kind == "video" else "KGAudioTransCrossFade3dB"))
        _sub(effect, "effectcategory", "Dissolve" if kind == "video" else "crossfade")
        _sub(effect, "effecttype", "transition")
        _sub(effect, "mediatype", kind)

    def clipitem(self, parent, placed: model.Placed, clip_id: str, kind: str, plan: dict,
                 channel: int | None, exploded: tuple[int, int]) -> None:
        item = placed.item
        attrib = {"id": clip_id}
        if kind == "audio":
            attrib["premiereChannelType"] = "stereo" if exploded[1] == 2 else "mono"
        is_stack = isinstance(item, otio.schema.Stack)
        element = _sub(parent, "clipitem", **attrib)
        _sub(element, "name", item.name or "")
        _sub(element, "enabled", "TRUE" if item.enabled else "FALSE")
        facts = None
        if isinstance(item, otio.schema.Clip):
            facts = model.media_facts(item.media_reference, self.rate)
            media_start = rates.frames(rates.rational(facts.start, facts.rate), self.rate)
            media_len = (rates.frames(rates.rational(facts.frames, facts.rate), self.rate)
                         if facts.frames else None)
        else:
            media_start, media_len = 0, None
        first = placed.source - media_start
        if is_stack:
            first = placed.source
        if media_len is None:
            media_len = first + placed.duration + placed.tail
        _sub(element, "duration", max(media_len, 1))
        _rate(element, self.rate)
        _sub(element, "start", -1 if placed.head else placed.start)
        _sub(element, "end", -1 if placed.tail else placed.end)
        speed = model.speed(item)
        # A speed change: in/out span the media the clip plays, |speed| times its length.
        scale = abs(speed) if speed else Fraction(1)
        _sub(element, "in", first - round(placed.head * scale))
        _sub(element, "out", first + round((placed.duration + placed.tail) * scale))
        if is_stack:
            self.sequence(element, item, item.name or "Nested sequence", 0)
        elif isinstance(item, otio.schema.Clip):
            self.file(element, item, facts, kind)
            if kind == "audio":
                source = _sub(element, "sourcetrack")
                _sub(source, "mediatype", "audio")
                _sub(source, "trackindex", self._source_channel(item, facts, channel))
        if speed == 0:  # a freeze: FCP 7 XML holds it only as a hold frame, which we do not write
            if channel in (None, 1):
                self.skipped.append(f"frozen clip {item.name!r} written at 100%")
        elif speed is not None:
            self._time_remap(element, speed, kind)
        group = plan["groups"].get(self._link_key(placed))
        if group:
            for member_id, member_kind, track_index, clip_index in group:
                link = _sub(element, "link")
                _sub(link, "linkclipref", member_id)
                _sub(link, "mediatype", member_kind)
                _sub(link, "trackindex", track_index)
                _sub(link, "clipindex", clip_index)
                if member_kind == "audio":
                    _sub(link, "groupindex", 1)
        if channel in (None, 1):  # markers once per linked group member, not per channel
            self._clip_markers(element, item, media_start)
        composite = model.lookup(item, "compositemode")
        if kind == "video" and composite:
            _sub(element, "compositemode", composite)

    @staticmethod
    def _time_remap(parent, speed: Fraction, kind: str) -> None:
        """A constant speed as FCP 7 and Premiere write it: the ``timeremap`` filter, speed
        in percent, reversed by its own flag."""
        effect = _sub(_sub(parent, "filter"), "effect")
        _sub(effect, "name", "Time Remap")
        _sub(effect, "effectid", "timeremap")
        _sub(effect, "effectcategory", "motion")
        _sub(effect, "effecttype", "motion")
        _sub(effect, "mediatype", kind)
        for parameter_id, value in (("variablespeed", 0), ("speed", f"{float(abs(speed)) * 100:g}"),
                                    ("reverse", "TRUE" if speed < 0 else "FALSE"), ("frameblending", "FALSE")):
            parameter = _sub(effect, "parameter", authoringApp="PremierePro")
            _sub(parameter, "parameterid", parameter_id)
            _sub(parameter, "name", parameter_id)
            _sub(parameter, "value", value)

    def _clip_markers(self, element, item, media_start: int) -> None:
        entries = []
        if isinstance(item, otio.schema.Clip):
            emotion = model.clip_emotion(item)
            if emotion and item.source_range is not None:
                marker = otio.schema.Marker(name=emotion["label"], marked_range=otio.opentime.TimeRange(
                    item.source_range.start_time, otio.opentime.RationalTime(0, item.source_range.start_time.rate)),
                    color=model.emotion_color(emotion), comment=model.emotion_comment(emotion))
                entries.append((rates.frames(marker.marked_range.start_time, self.rate), marker))
        entries += [(rates.frames(m.marked_range.start_time, self.rate), m) for m in item.markers]
        for _frame, marker in model.merge_markers(entries):
            self.marker(element, marker, media_start)

    def file(self, parent, clip: otio.schema.Clip, facts: model.MediaFacts, kind: str) -> None:
        ref = clip.media_reference
        url = getattr(ref, "target_url", None)
        if isinstance(ref, otio.schema.GeneratorReference) or not url:
            # Generators and missing media: a file with no path comes in offline,
            # which is what an editor expects for a slate or a lost file.
            url = f"missing:{clip.name}"
        # One definition per distinct media: the same path can come with two timecodes
        # (Premiere keeps a master clip's modified start), and in/out count from each.
        key = (url, facts.start, facts.frames, facts.rate)
        if key in self._files:
            _sub(parent, "file", id=self._files[key])
            return
        file_id = f"file-{len(self._files) + 1}"
        self._files[key] = file_id
        element = _sub(parent, "file", id=file_id)
        _sub(element, "name", facts.name or clip.name)
        if not url.startswith("missing:"):
            _sub(element, "pathurl", path_to_url(url_to_path(url)))
        _rate(element, facts.rate)
        if facts.frames:
            _sub(element, "duration", facts.frames)
        _timecode(element, facts.start, facts.rate, facts.drop_frame, reel=model.lookup(ref, "reel") or "")
        media = _sub(element, "media")
        if facts.has_video:
            characteristics = _sub(_sub(media, "video"), "samplecharacteristics")
            _rate(characteristics, facts.rate)
            _sub(characteristics, "width", facts.width or self.width)
            _sub(characteristics, "height", facts.height or self.height)
            _sub(characteristics, "anamorphic", "FALSE")
            _sub(characteristics, "pixelaspectratio", "square")
            _sub(characteristics, "fielddominance", "none")
        if facts.has_audio:
            for channels in facts.audio_streams:  # one <audio> per sound stream, as Premiere writes files
                audio = _sub(media, "audio")
                characteristics = _sub(audio, "samplecharacteristics")
                _sub(characteristics, "depth", 16)
                _sub(characteristics, "samplerate", facts.sample_rate)
                _sub(audio, "channelcount", channels)

    def marker(self, parent, marker: otio.schema.Marker, origin: int) -> None:
        """A marker; ``origin`` is subtracted (clip markers count from the media's first frame)."""
        element = _sub(parent, "marker")
        _sub(element, "comment", model.marker_comment(marker))
        _sub(element, "name", marker.name or "")
        start = rates.frames(marker.marked_range.start_time, self.rate) - origin
        length = rates.frames(marker.marked_range.duration, self.rate)
        _sub(element, "in", start)
        _sub(element, "out", start + length if length > 0 else -1)
        color = PPRO_COLORS.get(marker.color)
        if color is not None:
            _sub(element, "pproColor", color)


def write_xmeml(timeline: otio.schema.Timeline | list[otio.schema.Timeline], version: int = 4) -> bytes:
    """The timeline (or several, one sequence each) as Premiere-ready FCP7 XML bytes (UTF-8).

    Args:
        version: xmeml version attribute, 4 (Premiere's) or 5 (FCP 7's).
    """
    return write_xmeml_report(timeline, version)[0]


def write_xmeml_report(timeline: otio.schema.Timeline | list[otio.schema.Timeline],
                       version: int = 4) -> tuple[bytes, list[str]]:
    """:func:`write_xmeml`, and lines naming what FCP7 XML could not carry."""
    if version not in (4, 5):
        raise ValueError(f"xmeml version must be 4 or 5, not {version}")
    writer = XmemlWriter(timeline)
    return writer.document(version), writer.skipped
