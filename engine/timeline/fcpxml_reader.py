"""Reading FCPXML (Final Cut Pro X, Resolve; versions 1.3–1.13) into OTIO timelines.

Our own reader rather than otio-fcpx-xml-adapter's, which truncates NTSC rates, takes
the rate from a clip instead of the sequence, drops titles and their markers, and
crashes on compound clips (../shared/nle/CHECKLIST.md). The mapping is the inverse of
``fcpxml_writer``: the primary storyline is V1 (with its sound on A1), connected clips
on lane k > 0 go to V(k+1), on lane -k to Ak, compound clips become nested Stacks.
Times are exact Fractions, rounded to whole frames of the sequence only at the end.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import opentimelineio as otio
from lxml import etree

from engine.timeline import model, rates
from engine.timeline.errors import InterchangeError
from engine.timeline.placing import fit_after
from engine.timeline.report import Unsupported
from engine.timeline.urls import to_otio_url

_CLIPS = {"asset-clip", "clip", "video", "audio", "title", "ref-clip", "sync-clip", "mc-clip", "gap", "audition"}
_MARKERS = ("marker", "chapter-marker")


def parse_time(text: str | None, default: Fraction = Fraction(0)) -> Fraction:
    """``"1001/24000s"``, ``"3600s"`` or ``"0s"`` as exact seconds.

    Raises:
        ValueError: If the text is not an FCPXML time.
    """
    if text is None or text == "":
        return default
    if not text.endswith("s"):
        raise ValueError(f"not an FCPXML time: {text!r}")
    return Fraction(text[:-1])


@dataclass
class _Placed:
    kind: str  # "video" | "audio"
    index: int  # 1-based track number
    start: int
    duration: int
    item: otio.core.Item


class FcpxmlReader:
    """Reads every project of one FCPXML document."""

    def __init__(self, root: etree._Element, source=None):
        if root.tag != "fcpxml":
            raise InterchangeError(source, f"not FCPXML (root is <{root.tag}>, expected <fcpxml>)")
        self.root = root
        self.source = source
        self.version = root.get("version", "?")
        self.unsupported = Unsupported()
        resources = root.find("resources")
        self.resources = {e.get("id"): e for e in (resources if resources is not None else ()) if e.get("id")}

    def timelines(self) -> list[otio.schema.Timeline]:
        projects = list(self.root.iter("project"))
        if not projects:
            self.unsupported.add("no project in the file (only event clips): nothing to put on a timeline")
        return [self.timeline(p) for p in projects if p.find("sequence") is not None]

    # -- formats and assets ---------------------------------------------------------------

    def _format_rate(self, format_id: str | None) -> Fraction | None:
        element = self.resources.get(format_id)
        if element is None or not element.get("frameDuration"):
            return None
        return rates.exact_rate(1 / parse_time(element.get("frameDuration")))

    def timeline(self, project) -> otio.schema.Timeline:
        sequence = project.find("sequence")
        rate = self._format_rate(sequence.get("format"))
        if rate is None:
            self.unsupported.add("sequence format has no frameDuration: 25 fps assumed")
            rate = Fraction(25)
        drop = sequence.get("tcFormat") == "DF"
        name = project.get("name") or ""
        timeline = otio.schema.Timeline(name=name)
        tc_start = parse_time(sequence.get("tcStart"))
        if tc_start:
            timeline.global_start_time = rates.rational(round(tc_start * rate), rate)
        fmt = self.resources.get(sequence.get("format"))
        width = int(fmt.get("width")) if fmt is not None and fmt.get("width") else None
        height = int(fmt.get("height")) if fmt is not None and fmt.get("height") else None
        model.set_timeline_facts(timeline, rate, drop, width, height)
        timeline.tracks = self.stack(sequence, rate)
        timeline.tracks.name = name
        return timeline

    def stack(self, sequence, rate: Fraction) -> otio.schema.Stack:
        """The tracks of a ``sequence`` (a project's or a compound clip's)."""
        self.rate = rate
        frame = 1 / rate
        origin = parse_time(sequence.get("tcStart"))
        placed: list[_Placed] = []
        transitions: list[tuple[int, int]] = []  # (start, end) on V1
        outer = getattr(self, "_lane_transitions", None)  # a compound clip's stack is read inside another
        self._lane_transitions: dict[tuple[str, int], list[tuple[int, int]]] = {("video", 1): transitions}
        stack_markers: list[otio.schema.Marker] = []
        spine = sequence.find("spine")
        cursor = origin
        for element in (spine if spine is not None else ()):
            offset = parse_time(element.get("offset"), cursor)
            if element.tag == "transition":
                start = round((offset - origin) / frame)
                transitions.append((start, start + round(parse_time(element.get("duration")) / frame)))
                # Markers on a transition count from the sequence's first timecode, as on
                # the gap it overlaps: keep them as timeline markers at their record time.
                for marker in self._markers(element, origin, None):
                    at = start + rates.frames(marker.marked_range.start_time, self.rate) - round(origin / frame)
                    marker.marked_range = otio.opentime.TimeRange(rates.rational(at, self.rate),
                                                                  marker.marked_range.duration)
                    stack_markers.append(marker)
                continue
            if element.tag not in _CLIPS:
                self.unsupported.add(f"<{element.tag}> in the storyline not imported")
                continue
            duration = parse_time(element.get("duration"))
            self.element(element, round((offset - origin) / frame), 0, placed, stack_markers, lane=0)
            cursor = offset + duration
        stack = otio.schema.Stack()
        self._tracks(stack, placed, self._lane_transitions, rate)
        self._lane_transitions = outer
        stack.markers.extend(stack_markers)
        return stack

    # -- story elements ---------------------------------------------------------------------

    def element(self, element, record: int, parent_lane: int, placed, stack_markers, lane: int) -> None:
        """One story element at ``record`` (frames from the sequence start) and its anchored items."""
        frame = 1 / self.rate
        tag = element.tag
        if tag == "audition":  # the active pick is the first child
            picks = [c for c in element if c.tag in _CLIPS]
            if len(picks) > 1:
                self.unsupported.add("audition: only the active pick imported")
            if picks:
                picks[0].set("lane", element.get("lane", "0"))
                self.element(picks[0], record, parent_lane, placed, stack_markers, lane)
            return
        duration = round(parse_time(element.get("duration")) / frame)
        local = parse_time(element.get("start"))
        name = element.get("name") or ""
        item_kinds = self._kinds(element)
        items = []
        if tag == "gap":
            gap_markers = self._markers(element, local, None)
            for marker in gap_markers:  # nothing else can carry them: they are timeline markers
                start = rates.frames(marker.marked_range.start_time, self.rate) - round(local / frame) + record
                marker.marked_range = otio.opentime.TimeRange(rates.rational(start, self.rate),
                                                              marker.marked_range.duration)
                stack_markers.append(marker)
            if lane == 0 and duration > 0:
                gap = otio.schema.Gap(source_range=rates.time_range(0, duration, self.rate))
                placed.append(_Placed("video", 1, record, duration, gap))
        else:
            for kind in item_kinds:
                item = self._item(element, name, local, duration)
                if item is None:
                    continue
                if kind == item_kinds[0]:
                    self._attach_markers(item, element, local)
                self._time_map(element, item, name, record, report=kind == item_kinds[0])
                items.append((kind, item))
        for kind, item in items:
            if lane == 0:
                index = 1
            elif lane > 0:
                index = lane + 1
            else:
                index = -lane
            if kind == "audio" and lane > 0:
                continue  # the sound of a connected picture clip plays with it; not a track of ours
            if kind == "video" and lane < 0:
                kind = "audio"
            placed.append(_Placed(kind, index, record, duration, item))
        # Anchored items: their offsets are in this element's local time.
        for child in element:
            # Anchored items always have a lane; lane-less children of a <clip> are its content.
            if (child.tag in _CLIPS or child.tag == "spine") and child.get("lane") not in (None, "0"):
                child_lane = int(child.get("lane"))
                child_offset = parse_time(child.get("offset"), local)
                child_record = record + round((child_offset - local) / frame)
                if child.tag == "spine":
                    self._storyline(child, child_record, child_lane, placed, stack_markers)
                else:
                    self.element(child, child_record, lane, placed, stack_markers, child_lane or lane)

    def _time_map(self, element, item, name: str, record: int, report: bool = True) -> None:
        """A speed change: a linear ``timeMap`` becomes OTIO's LinearTimeWarp; any other
        (ramps, holds) is reported and the clip plays at 100%."""
        time_map = element.find("timeMap")
        if time_map is None:
            return
        points = [(parse_time(p.get("time")), parse_time(p.get("value"))) for p in time_map.iter("timept")]
        slopes = {(v2 - v1) / (t2 - t1) for (t1, v1), (t2, v2) in zip(points, points[1:], strict=False) if t2 != t1}
        if len(slopes) == 1 and hasattr(item, "effects"):
            slope = slopes.pop()
            item.effects.append(otio.schema.LinearTimeWarp(name="timeMap", time_scalar=float(slope)))
            # A retimed clip's start and markers are in its retimed (local) time; the map
            # gives the media's, which is what OTIO's source range and markers count in.
            t0, v0 = points[0]

            def media(time: otio.opentime.RationalTime) -> otio.opentime.RationalTime:
                seconds = Fraction(time.value).limit_denominator(1_000_000) / self.rate
                return rates.rational(round((v0 + (seconds - t0) * slope) * self.rate), self.rate)

            if item.source_range is not None:
                item.source_range = otio.opentime.TimeRange(media(item.source_range.start_time),
                                                            item.source_range.duration)
            for marker in item.markers:
                marker.marked_range = otio.opentime.TimeRange(media(marker.marked_range.start_time),
                                                              marker.marked_range.duration)
        elif report:
            self.unsupported.add("speed ramp (timeMap) imported at 100%", f"clip {name!r} at frame {record}")

    def _storyline(self, spine, record: int, lane: int, placed, stack_markers) -> None:
        frame = 1 / self.rate
        first = None
        # A storyline's transitions go on the track of its lane (a sound crossfade on A k).
        key = ("audio", -lane) if lane < 0 else ("video", lane + 1)
        first = parse_time(spine[0].get("offset")) if len(spine) and spine[0].tag == "transition" else None
        for child in spine:
            offset = parse_time(child.get("offset"))
            first = offset if first is None else first
            start = record + round((offset - first) / frame)
            if child.tag == "transition":
                length = round(parse_time(child.get("duration")) / frame)
                self._lane_transitions.setdefault(key, []).append((start, start + length))
                continue
            if child.tag not in _CLIPS:
                continue
            self.element(child, start, lane, placed, stack_markers, lane)

    def _kinds(self, element) -> list[str]:
        tag = element.tag
        if tag == "clip":
            return ["video"] if self._content(element, "video") is not None else ["audio"]
        if tag in ("title", "ref-clip", "sync-clip", "mc-clip"):
            return ["video"]
        if tag == "audio":
            return ["audio"]
        if tag == "gap":
            return []
        asset = self.resources.get(element.get("ref"))
        if asset is None or asset.tag != "asset":
            return ["video"]
        has_video = asset.get("hasVideo") == "1"
        has_audio = asset.get("hasAudio") == "1"
        enable = element.get("srcEnable", "all")
        kinds = []
        if has_video and enable in ("all", "video"):
            kinds.append("video")
        if has_audio and enable in ("all", "audio") and (tag == "asset-clip"):
            kinds.append("audio")
        return kinds or ["video"]

    def _content(self, clip, tag: str):
        """The first ``video``/``audio`` inside a ``<clip>``, looking through gaps but not lanes."""
        for child in clip:
            if child.tag == tag and child.get("lane") in (None, "0"):
                return child
        for child in clip:  # FCP puts a clip's detached sound on a lane inside a gap
            if child.tag == "gap" and child.get("lane") in (None, "0"):
                found = next(child.iter(tag), None)
                if found is not None:
                    return found
        return None

    def _item(self, element, name, local: Fraction, duration: int):
        tag = element.tag
        source = rates.time_range(round(local * self.rate), duration, self.rate)
        if tag == "ref-clip":
            media = self.resources.get(element.get("ref"))
            nested = media.find("sequence") if media is not None else None
            if nested is None:
                self.unsupported.add(f"compound clip {name!r} without a sequence: offline placeholder")
                return otio.schema.Clip(name=name, media_reference=otio.schema.MissingReference(),
                                        source_range=source)
            saved = self.rate
            stack = self.stack(nested, self._format_rate(nested.get("format")) or saved)
            self.rate = saved
            stack.name = name
            stack.source_range = source
            return stack
        if tag in ("sync-clip", "mc-clip"):
            self.unsupported.add(f"{'multicam' if tag == 'mc-clip' else 'synchronized'} clip "
                                 "imported as an offline placeholder", repr(name))
            return otio.schema.Clip(name=name, media_reference=otio.schema.MissingReference(name=name),
                                    source_range=source)
        ref_id = element.get("ref")
        if tag == "clip":
            inner = self._content(element, "video")
            if inner is None:
                inner = self._content(element, "audio")
            ref_id = inner.get("ref") if inner is not None else None
        resource = self.resources.get(ref_id)
        if resource is not None and resource.tag == "effect" or tag == "title":
            effect_name = resource.get("name") if resource is not None else "Title"
            reference = otio.schema.GeneratorReference(name=effect_name or "",
                                                       generator_kind="title" if tag == "title" else "generator")
            if resource is not None and resource.get("uid"):
                model.meta(reference)["effect_uid"] = resource.get("uid")
            return otio.schema.Clip(name=name, media_reference=reference, source_range=source)
        if resource is None or resource.tag != "asset":
            self.unsupported.add(f"clip {name!r} refers to a missing resource: offline placeholder")
            return otio.schema.Clip(name=name, media_reference=otio.schema.MissingReference(name=name),
                                    source_range=source)
        return otio.schema.Clip(name=name, media_reference=self._reference(resource), source_range=source)

    def _reference(self, asset) -> otio.core.MediaReference:
        rate = self._format_rate(asset.get("format")) or self.rate
        start = round(parse_time(asset.get("start")) * rate)
        frames = round(parse_time(asset.get("duration")) * rate) or None
        rep = asset.find("media-rep")
        src = rep.get("src") if rep is not None else asset.get("src")
        available = rates.time_range(start, frames, rate) if frames else None
        if src:
            reference = otio.schema.ExternalReference(target_url=to_otio_url(src), available_range=available)
        else:
            reference = otio.schema.MissingReference(available_range=available)
        reference.name = asset.get("name") or ""
        fmt = self.resources.get(asset.get("format"))
        facts = model.MediaFacts(
            url=src, name=reference.name, rate=rate, start=start, frames=frames,
            width=int(fmt.get("width")) if fmt is not None and fmt.get("width") else None,
            height=int(fmt.get("height")) if fmt is not None and fmt.get("height") else None,
            has_video=asset.get("hasVideo") == "1", has_audio=asset.get("hasAudio") == "1",
            channels=int(asset.get("audioChannels") or 2), sample_rate=int(asset.get("audioRate") or 48000))
        # audioChannels counts every source's channels; split evenly when they divide.
        sources = int(asset.get("audioSources") or 1)
        if sources > 1 and facts.channels % sources == 0:
            facts.audio_streams = [facts.channels // sources] * sources
            facts.channels = facts.audio_streams[0]
        else:
            facts.audio_streams = [facts.channels]
        model.store_media_facts(reference, facts)
        return reference

    def _markers(self, element, local: Fraction, item) -> list[otio.schema.Marker]:
        result = []
        for marker in element:
            if marker.tag == "caption":  # a spoken line: offset and duration in this element's time
                start = round(parse_time(marker.get("offset")) * self.rate)
                length = max(round(parse_time(marker.get("duration")) * self.rate), 1)
                text = "\n".join(_caption_text(t) for t in marker.iterfind("text")) or marker.get("name", "")
                result.append(model.transcript_marker(text, start, length, self.rate))
                continue
            if marker.tag not in _MARKERS:
                continue
            start = round(parse_time(marker.get("start")) * self.rate)
            length = round(parse_time(marker.get("duration")) * self.rate)
            # FCP gives point markers one frame; OTIO calls them zero-length.
            length = 0 if length <= 1 else length
            result.append(model.make_marker(marker.get("value", ""), start, length, self.rate,
                                            marker.get("note", "")))
        return result

    def _attach_markers(self, item, element, local: Fraction) -> None:
        for marker in self._markers(element, local, item):
            model.attach_marker(item, marker)

    # -- tracks -------------------------------------------------------------------------------

    def _tracks(self, stack, placed: list[_Placed], transitions, rate) -> None:
        counts = {"video": max([p.index for p in placed if p.kind == "video"] or [0]),
                  "audio": max([p.index for p in placed if p.kind == "audio"] or [0])}
        for kind, otio_kind, prefix in (("video", otio.schema.TrackKind.Video, "V"),
                                        ("audio", otio.schema.TrackKind.Audio, "A")):
            for index in range(1, counts[kind] + 1):
                track = otio.schema.Track(name=f"{prefix}{index}", kind=otio_kind)
                items = sorted((p for p in placed if p.kind == kind and p.index == index), key=lambda p: p.start)
                cuts = {start: (start, end) for start, end in transitions.get((kind, index), ())}
                cursor = 0
                used: set[tuple[int, int]] = set()
                for entry in items:
                    start, duration, item = entry.start, entry.duration, entry.item
                    placed_at = fit_after(track, item, start, duration, cursor, rate,
                                          lambda p=prefix, i=index: self.unsupported.add(
                                              f"overlapping clips on {p}{i}: later clip's head trimmed"))
                    if placed_at is None:
                        continue
                    start, duration = placed_at
                    transition = next(((s, e) for s, e in cuts.values() if s < start <= e), None)
                    if transition is None and len(track) and not isinstance(track[-1], otio.schema.Gap):
                        # All past the cut (it uses the outgoing clip's tail only).
                        transition = next(((s, e) for s, e in cuts.values() if s == start < e), None)
                    if transition is not None and len(track) and start == cursor:
                        used.add(transition)
                        track.append(self._dissolve(start - transition[0], transition[1] - start, rate))
                    else:
                        # A fade in from black (head of the spine, or after a gap) starts on the clip.
                        fade_in = next((t for t in cuts.values() if t[0] == start and t not in used), None)
                        if fade_in is not None and (not len(track) or isinstance(track[-1], otio.schema.Gap)):
                            used.add(fade_in)
                            track.append(self._dissolve(0, fade_in[1] - start, rate))
                    track.append(item)
                    cursor = start + duration
                    fade_out = next((t for t in cuts.values() if t[1] == cursor and t[0] < cursor
                                     and t not in used and not any(o.start == cursor for o in items)), None)
                    if fade_out is not None:  # to black: the tail of the spine, or before a gap
                        used.add(fade_out)
                        track.append(self._dissolve(cursor - fade_out[0], 0, rate))
                if len(track) and all(isinstance(i, otio.schema.Gap) for i in track):
                    continue  # the spine's gaps of an audio-only project: no picture track
                for start, end in cuts.values():
                    if (start, end) not in used:
                        self.unsupported.add("transition with no clip to attach to not imported",
                                             f"{prefix}{index} at frame {start}")
                stack.append(track)

    @staticmethod
    def _dissolve(before: int, after: int, rate) -> otio.schema.Transition:
        return otio.schema.Transition(
            name="Cross Dissolve", transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
            in_offset=rates.rational(before, rate), out_offset=rates.rational(after, rate))


def _caption_text(text) -> str:
    """A caption ``text`` block's words: its ``text-style`` runs (indentation between them
    is layout, not text), or its own text when it has none."""
    runs = [run.text or "" for run in text.iter("text-style")]
    return ("".join(runs) if runs else (text.text or "")).strip()


def read_fcpxml(root: etree._Element, source=None) -> tuple[list[otio.schema.Timeline], list[str]]:
    """Timelines in an FCPXML document and the lines describing what was not imported."""
    reader = FcpxmlReader(root, source)
    try:
        timelines = reader.timelines()
    except (ValueError, ZeroDivisionError) as exc:
        raise InterchangeError(source, f"unreadable FCPXML time or format ({exc})") from None
    return timelines, reader.unsupported.lines()
