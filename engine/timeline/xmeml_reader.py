"""Reading FCP7 XML (Premiere Pro, Final Cut Pro 7, Hiero) into OTIO timelines.

Our own reader rather than otio-fcp-adapter's, because the real files need what it
lacks: marker comments and colours, ids referenced before their definition,
``ntsc`` inherited from the parent ``rate``, and a report of what was skipped.
Conventions match the adapter's so it can serve as an independent check: source
ranges are in media time (file timecode + ``in``), stereo pairs of "exploded"
audio tracks become one track, nested sequences become nested Stacks.
"""
from __future__ import annotations

from fractions import Fraction

import opentimelineio as otio
from lxml import etree

from engine.timeline import model, rates
from engine.timeline.errors import InterchangeError
from engine.timeline.report import Unsupported
from engine.timeline.urls import to_otio_url
from engine.timeline.xmeml_writer import COLOR_BY_PPRO, TICKS_PER_SECOND

_ITEM_TAGS = ("clipitem", "generatoritem", "transitionitem")
# Filters Premiere writes on every clip that change nothing we could lose.
_HARMLESS_FILTERS = {"basic", "Basic Motion", "Opacity", "audiolevels", "Audio Levels"}


def _text(element, path: str, default: str | None = None) -> str | None:
    found = element.find(path) if element is not None else None
    if found is None or found.text is None:
        return default
    return found.text.strip()


def _int(element, path: str, default: int | None = None) -> int | None:
    text = _text(element, path)
    if text in (None, ""):
        return default
    try:
        return int(round(float(text)))  # Hiero writes "1055.0"
    except ValueError:
        return default


def _bool(element, path: str, default: bool) -> bool:
    text = _text(element, path)
    return default if text is None else text.upper() == "TRUE"


def _number(element, tag: str) -> float | None:
    text = _text(element, tag)
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


class XmemlReader:
    """Reads every top-level sequence of one xmeml document."""

    def __init__(self, root: etree._Element, source=None):
        self.root = root
        self.source = source
        self.unsupported = Unsupported()
        # The full definition of each id: the element with children, wherever it is
        # (Premiere may reference an id before the element that defines it).
        self._defs: dict[tuple[str, str], etree._Element] = {}
        for element in root.iter("file", "clipitem", "sequence", "generatoritem"):
            key = (element.tag, element.get("id"))
            if key[1] is not None and len(element) and key not in self._defs:
                self._defs[key] = element

    def deref(self, element):
        if element is None or element.get("id") is None or len(element):
            return element
        return self._defs.get((element.tag, element.get("id")), element)

    def timelines(self) -> list[otio.schema.Timeline]:
        if self.root.tag != "xmeml":
            raise InterchangeError(self.source, f"not FCP7 XML (root is <{self.root.tag}>, expected <xmeml>)")
        sequences = list(self.root.findall("sequence")) + list(self.root.iterfind(".//children/sequence"))
        return [self.timeline(self.deref(s)) for s in sequences]

    # -- rates -------------------------------------------------------------------------

    def rate(self, element, inherited: Fraction | None) -> Fraction | None:
        """The element's ``rate``; ``ntsc`` (and the whole rate) inherit from the parent."""
        rate = element.find("rate") if element is not None else None
        if rate is None:
            return inherited
        base = _text(rate, "timebase")
        if not base:
            return inherited
        ntsc_text = _text(rate, "ntsc")
        ntsc = ntsc_text.upper() == "TRUE" if ntsc_text else bool(inherited and inherited.denominator == 1001)
        return rates.from_timebase(Fraction(base), ntsc)

    def timecode_start(self, timecode, rate: Fraction) -> tuple[int, bool, str | None]:
        """Where a ``<timecode>`` element starts, in frames at ``rate``; whether it is
        drop-frame; and its text when that could not be read (it then starts at 0)."""
        tc_rate = self.rate(timecode, rate) or rate
        drop = (_text(timecode, "displayformat", "NDF") or "").upper() == "DF"
        frame, unreadable = _int(timecode, "frame"), None
        if frame is None and _text(timecode, "string"):
            try:
                frame = rates.from_timecode(_text(timecode, "string"), tc_rate, drop)
            except ValueError:
                unreadable = _text(timecode, "string")
        return rates.frames(rates.rational(frame or 0, tc_rate), rate), drop, unreadable

    # -- sequence ----------------------------------------------------------------------

    def timeline(self, sequence) -> otio.schema.Timeline:
        rate = self.rate(sequence, None) or Fraction(25)
        name = _text(sequence, "name", "") or ""
        timeline = otio.schema.Timeline(name=name)
        timecode = sequence.find("timecode")
        drop = False
        if timecode is not None:
            start, drop, unreadable = self.timecode_start(timecode, rate)
            if unreadable:
                self.unsupported.add(f"sequence timecode {unreadable!r} unreadable")
            if start:
                timeline.global_start_time = rates.rational(start, rate)
        width = _int(sequence, "media/video/format/samplecharacteristics/width")
        height = _int(sequence, "media/video/format/samplecharacteristics/height")
        model.set_timeline_facts(timeline, rate, drop, width, height)
        timeline.tracks = self.stack(sequence, rate)
        timeline.tracks.name = name
        return timeline

    def stack(self, sequence, parent_rate) -> otio.schema.Stack:
        rate = self.rate(sequence, parent_rate) or parent_rate
        stack = otio.schema.Stack(name=_text(sequence, "name", "") or "")
        media = sequence.find("media")
        for kind_tag, kind in (("video", otio.schema.TrackKind.Video), ("audio", otio.schema.TrackKind.Audio)):
            group = media.find(kind_tag) if media is not None else None
            if group is None:
                continue
            number = 0
            for track in group.findall("track"):
                # Premiere writes a stereo track as two "exploded" mono tracks; keep the first.
                if track.get("currentExplodedTrackIndex", "0") != "0" and \
                        track.get("totalExplodedTrackCount", "1") != "1":
                    continue
                number += 1
                otio_track = self.track(track, kind, rate)
                otio_track.name = otio_track.name or f"{kind_tag[0].upper()}{number}"
                stack.append(otio_track)
        for marker in sequence.findall("marker"):
            stack.markers.append(self.marker(marker, rate, 0))
        return stack

    # -- tracks --------------------------------------------------------------------------

    def track(self, element, kind, rate) -> otio.schema.Track:
        track = otio.schema.Track(name=_text(element, "name", "") or "", kind=kind)
        track.enabled = _bool(element, "enabled", True)
        if element.get("totalExplodedTrackCount") == "2":
            model.meta(track)["channels"] = 2
        children = [self.deref(c) for c in element if c.tag in _ITEM_TAGS]
        # First pass: resolve every item's record range; -1 means "at the transition's cut".
        placed = []
        for index, child in enumerate(children):
            if child.tag == "transitionitem":
                start, end = _int(child, "start", 0), _int(child, "end", 0)
                placed.append((child, start, end, self._cut(child, rate)))
                continue
            start, end = _int(child, "start", 0), _int(child, "end", 0)
            offset = 0
            if start == -1:
                prev = children[index - 1] if index > 0 else None
                if prev is None or prev.tag != "transitionitem":
                    self.unsupported.add(f"clip {self._name(child)!r} with start -1 and no transition")
                    continue
                start = self._cut(prev, rate)
                offset = start - _int(prev, "start", 0)
            if end == -1:
                nxt = children[index + 1] if index + 1 < len(children) else None
                if nxt is None or nxt.tag != "transitionitem":
                    self.unsupported.add(f"clip {self._name(child)!r} with end -1 and no transition")
                    continue
                end = self._cut(nxt, rate)
            placed.append((child, start, end, offset))
        # Second pass: items in record order, gaps between, transitions at their cuts.
        def order(entry):
            child, start, end, extra = entry
            return (extra, 0) if child.tag == "transitionitem" else (start, 1)
        cursor = 0
        for child, start, end, extra in sorted(placed, key=order):
            if child.tag == "transitionitem":
                cut = extra
                if cut > cursor:
                    # A fade-in after a gap belongs at its own cut, not at the tail of the
                    # clip before the gap (nor at frame 0): the gap comes first.
                    track.append(otio.schema.Gap(source_range=rates.time_range(0, cut - cursor, rate)))
                    cursor = cut
                track.append(self.transition(child, start, end, cut, rate, kind))
                continue
            if start < cursor:
                self.unsupported.add(f"overlapping clip {self._name(child)!r} on a {kind.lower()} track "
                                     "(head trimmed to the previous clip's end)")
                extra += cursor - start
                start = cursor
            if end <= start:
                self.unsupported.add(f"clip {self._name(child)!r} with no duration skipped")
                continue
            if start > cursor:
                track.append(otio.schema.Gap(source_range=rates.time_range(0, start - cursor, rate)))
            item = self.item(child, start, end, extra, rate, kind)
            if item is not None:
                track.append(item)
                cursor = end
        return track

    def _cut(self, transition, rate) -> int:
        start, end = _int(transition, "start", 0), _int(transition, "end", 0)
        ticks = _int(transition, "cutPointTicks")
        if ticks is not None and 0 <= ticks:
            cut = start + round(Fraction(ticks, TICKS_PER_SECOND) * rate)
            if start <= cut <= end:
                return cut
        alignment = (_text(transition, "alignment", "center") or "center").lower()
        if alignment in ("end", "end-black"):
            return end
        if alignment in ("start", "start-black"):
            return start
        return (start + end) // 2

    def transition(self, element, start, end, cut, rate, kind) -> otio.schema.Transition:
        effect = element.find("effect")
        transition = otio.schema.Transition(
            name=_text(effect, "name", "") or "",
            transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
            in_offset=rates.rational(cut - start, rate), out_offset=rates.rational(end - cut, rate))
        effect_id = _text(effect, "effectid")
        if effect_id:
            model.meta(transition)["effectid"] = effect_id
        if effect_id and "dissolve" not in effect_id.lower() and "cross" not in effect_id.lower():
            self.unsupported.add(f"transition {effect_id!r} imported as a dissolve")
        return transition

    # -- clips -------------------------------------------------------------------------------

    def _name(self, element) -> str:
        return _text(element, "name", "") or element.get("id", "")

    def item(self, element, start, end, offset, parent_rate, kind):
        rate = self.rate(element, parent_rate) or parent_rate
        name = self._name(element)
        in_frame = _int(element, "in", 0) or 0
        duration = end - start
        file_element = self.deref(element.find("file"))
        nested = self.deref(element.find("sequence"))
        media_start = otio.opentime.RationalTime(0, float(parent_rate))
        if nested is not None:
            item = self.stack(nested, parent_rate)
            item.name = name
        elif element.tag == "generatoritem" or (file_element is None):
            effect = element.find("effect")
            kind_name = _text(effect, "effectid") or _text(effect, "name") or "generator"
            ref = otio.schema.GeneratorReference(name=_text(effect, "name", "") or kind_name,
                                                 generator_kind=kind_name)
            item = otio.schema.Clip(name=name, media_reference=ref)
        else:
            ref, media_start = self.reference(file_element, rate)
            item = otio.schema.Clip(name=name, media_reference=ref)
        item.enabled = _bool(element, "enabled", True)
        source_start = media_start + otio.opentime.RationalTime(in_frame, float(rate)) + \
            otio.opentime.RationalTime(offset, float(parent_rate))
        item.source_range = otio.opentime.TimeRange(
            source_start.rescaled_to(float(parent_rate)), rates.rational(duration, parent_rate))
        for marker in element.findall("marker"):
            origin = media_start.rescaled_to(float(rate)).value
            model.attach_marker(item, self.marker(marker, rate, round(origin)))
        self._note_effects(element, name, item, start)
        return item

    def _note_effects(self, element, name, item=None, start=None) -> None:
        for effect in element.iterfind("filter/effect"):
            effect_id = _text(effect, "effectid") or _text(effect, "name") or "?"
            if effect_id == "timeremap":
                scalar = self._constant_speed(effect)
                lengths = [_number(element, tag) for tag in ("in", "out", "start", "end")]
                if scalar is not None and None not in lengths and lengths[3] - lengths[2] > 0 \
                        and abs(abs(scalar) * (lengths[3] - lengths[2]) - (lengths[1] - lengths[0])) > 1:
                    # The clip's in/out say another speed than the filter (Hiero writes such files).
                    self.unsupported.add("time remap whose speed disagrees with the clip's in/out "
                                         "imported at 100%", f"clip {name!r} at frame {start}")
                elif scalar is not None and hasattr(item, "effects"):
                    item.effects.append(otio.schema.LinearTimeWarp(name="timeremap", time_scalar=scalar))
                else:
                    self.unsupported.add("speed change (variable time remap) imported at 100%",
                                         f"clip {name!r} at frame {start}")
            elif effect_id not in _HARMLESS_FILTERS:
                self.unsupported.add(f"effect {effect_id!r} not imported")

    @staticmethod
    def _constant_speed(effect) -> float | None:
        """A constant time remap's speed (1.0 is normal, negative reversed), or None for a
        variable one (speed keyframes)."""
        params = {_text(p, "parameterid") or _text(p, "name"): p for p in effect.iterfind("parameter")}
        if _text(params.get("variablespeed"), "value") in ("1", "TRUE") if params.get("variablespeed") is not None \
                else False:
            return None
        speed = params.get("speed")
        try:
            value = float(_text(speed, "value")) if speed is not None else None
        except (TypeError, ValueError):
            return None
        if value is None or speed.find("keyframe") is not None:
            return None
        reverse = _text(params.get("reverse"), "value") == "TRUE" if params.get("reverse") is not None else False
        return (-1 if reverse else 1) * value / 100  # FCP 7 writes speed in percent

    def reference(self, element, clip_rate):
        """An ExternalReference (or MissingReference) and the media's start time."""
        rate = self.rate(element, clip_rate) or clip_rate
        timecode = element.find("timecode")
        start = 0
        drop = False
        if timecode is not None:
            start, drop, _unreadable = self.timecode_start(timecode, rate)  # unreadable: from 0
        frames = _int(element, "duration")
        available = rates.time_range(start, frames, rate) if frames else None
        name = _text(element, "name", "") or ""
        url = _text(element, "pathurl")
        if url:
            ref = otio.schema.ExternalReference(target_url=to_otio_url(url), available_range=available)
        else:
            ref = otio.schema.MissingReference(available_range=available)
        ref.name = name
        facts = model.MediaFacts(
            url=ref.target_url if url else None, name=name, rate=rate, start=start, frames=frames,
            width=_int(element, "media/video/samplecharacteristics/width"),
            height=_int(element, "media/video/samplecharacteristics/height"),
            has_video=element.find("media/video") is not None,
            has_audio=element.find("media/audio") is not None,
            channels=_int(element, "media/audio/channelcount", 2) or 2,
            sample_rate=_int(element, "media/audio/samplecharacteristics/samplerate", 48000) or 48000,
            drop_frame=drop and rates.supports_drop_frame(rate))
        # One <audio> per sound stream (or per mono channel, as Premiere lists them).
        facts.audio_streams = [_int(a, "channelcount", 2) or 2 for a in element.iterfind("media/audio")] \
            or [facts.channels]
        if element.find("media") is None:
            facts.has_video = facts.has_audio = True
        model.store_media_facts(ref, facts)
        reel = _text(timecode, "reel/name") if timecode is not None else None
        if reel:
            model.meta(ref)["reel"] = reel
        return ref, rates.rational(start, rate)

    def marker(self, element, rate, origin: int) -> otio.schema.Marker:
        start = (_int(element, "in", 0) or 0) + origin
        out = _int(element, "out", -1)
        length = out + origin - start if out is not None and out >= 0 else 0
        color = COLOR_BY_PPRO.get(_int(element, "pproColor"))
        return model.make_marker(_text(element, "name", "") or "", start, max(length, 0), rate,
                                 _text(element, "comment", "") or "", color)


def read_xmeml(root: etree._Element, source=None) -> tuple[list[otio.schema.Timeline], list[str]]:
    """Timelines in an xmeml document and the lines describing what was not imported."""
    reader = XmemlReader(root, source)
    timelines = reader.timelines()
    return timelines, reader.unsupported.lines()
