"""FCPXML 1.9–1.11 for DaVinci Resolve (and Final Cut Pro), wrapped in library > event > project.

Our own serializer rather than otio-fcpx-xml-adapter's, which cannot write 23.976,
writes off-grid times at 29.97 and zero-length markers (../shared/nle/CHECKLIST.md).
Every time is an exact ``Fraction`` of seconds on the sequence's frame grid:
``frames * frameDuration``, written as ``"n/ds"``.

Mapping from the OTIO timeline: V1 is the primary storyline (spine); a clip on an
audio track that matches a V1 clip (same media, same source and record range) is the
sound of that ``asset-clip``; every other clip is a connected clip, ``lane`` k-1 for
track Vk and ``-k`` for unlinked sound on Ak, anchored to the spine item under its
first frame. Nested stacks become compound clips (``media`` + ``ref-clip``).
"""
from __future__ import annotations

from fractions import Fraction

import opentimelineio as otio
from lxml import etree

from engine.timeline import model, rates
from engine.timeline.urls import path_to_url, url_to_path

VERSIONS = ("1.9", "1.10", "1.11")
DEFAULT_VERSION = "1.10"
# Captions sit in lanes of their own in Final Cut, above the picture; it writes them at lane 1.
CAPTION_LANE = 1
_BASIC_TITLE = ".../Titles.localized/Bumper:Opener.localized/Basic Title.localized/Basic Title.moti"


def fcpxml_time(seconds: Fraction) -> str:
    """``0s``, ``3600s`` or ``1001/24000s``."""
    seconds = Fraction(seconds)
    if seconds.denominator == 1:
        return f"{seconds.numerator}s"
    return f"{seconds.numerator}/{seconds.denominator}s"


def fcpxml_seconds(text: str) -> Fraction:
    """Inverse of :func:`fcpxml_time`."""
    return Fraction(text[:-1]) if text and text != "0s" else Fraction(0)


def _format_name(rate: Fraction, width: int, height: int) -> str:
    # FCP's preset names; Resolve ignores the name but a familiar one helps editors.
    label = {Fraction(24000, 1001): "2398", Fraction(30000, 1001): "2997",
             Fraction(60000, 1001): "5994"}.get(rate, str(round(rate)))
    return f"FFVideoFormat{height}p{label}" if (width, height) in ((1920, 1080), (1280, 720), (3840, 2160)) \
        else f"FFVideoFormat{width}x{height}p{label}"


class FcpxmlWriter:
    """Writes one timeline; holds resources (formats, assets, compound media)."""

    def __init__(self, timelines: otio.schema.Timeline | list[otio.schema.Timeline],
                 version: str = DEFAULT_VERSION):
        if version not in VERSIONS:
            raise ValueError(f"FCPXML version must be one of {', '.join(VERSIONS)}, not {version}")
        self.timelines = [timelines] if isinstance(timelines, otio.schema.Timeline) else list(timelines)
        self.version = version
        self.resources = etree.Element("resources")
        self._ids = 0
        self._formats: dict[tuple, str] = {}
        self._assets: dict[tuple, str] = {}
        self._effects: dict[str, str] = {}
        self._styles = 0  # caption text styles: document-wide ids
        self.skipped: list[str] = []
        self._use(self.timelines[0])

    def _use(self, timeline: otio.schema.Timeline) -> None:
        """The timeline whose project is written next: its rate, timecode and format."""
        self.timeline = timeline
        self.rate = model.timeline_rate(timeline)
        self.frame = rates.frame_duration(self.rate)
        self.drop = model.drop_frame(timeline)
        width, height = model.frame_size(timeline)
        self.format_id = self._format(self.rate, width, height)

    def t(self, frames: int) -> str:
        return fcpxml_time(frames * self.frame)

    def _next_id(self) -> str:
        self._ids += 1
        return f"r{self._ids}"

    def _format(self, rate: Fraction, width: int, height: int) -> str:
        key = (rate, width, height)
        if key not in self._formats:
            self._formats[key] = self._next_id()
            etree.SubElement(self.resources, "format", id=self._formats[key],
                             name=_format_name(rate, width, height),
                             frameDuration=fcpxml_time(rates.frame_duration(rate)),
                             width=str(width), height=str(height))
        return self._formats[key]

    def _asset(self, clip: otio.schema.Clip) -> str:
        facts = model.media_facts(clip.media_reference, self.rate)
        # Per media and its timing: two projects may know one file with different timecode.
        key = (facts.url or f"missing:{clip.name}", facts.start, facts.rate)
        if key in self._assets:
            return self._assets[key]
        width, height = model.frame_size(self.timeline)
        format_id = self._format(facts.rate, facts.width or width, facts.height or height) \
            if facts.has_video else None
        asset_id = self._next_id()
        self._assets[key] = asset_id
        attrib = {"id": asset_id, "name": facts.name or clip.name,
                  "start": fcpxml_time(Fraction(facts.start) / facts.rate)}
        if facts.frames:
            attrib["duration"] = fcpxml_time(Fraction(facts.frames) / facts.rate)
        attrib["hasVideo"] = "1" if facts.has_video else "0"
        if format_id:
            attrib["format"] = format_id
        attrib["hasAudio"] = "1" if facts.has_audio else "0"
        if facts.has_video:
            attrib["videoSources"] = "1"
        if facts.has_audio:
            # Every sound stream of the file is one audio source of the asset.
            attrib.update(audioSources=str(len(facts.audio_streams)), audioChannels=str(sum(facts.audio_streams)),
                          audioRate=str(facts.sample_rate))
        asset = etree.SubElement(self.resources, "asset", attrib)
        src = path_to_url(url_to_path(facts.url), host="") if facts.url else \
            path_to_url("/" + (facts.name or clip.name or "missing"), host="")
        etree.SubElement(asset, "media-rep", kind="original-media", src=src)
        return asset_id

    def _effect(self, uid: str, name: str) -> str:
        if uid not in self._effects:
            self._effects[uid] = self._next_id()
            etree.SubElement(self.resources, "effect", id=self._effects[uid], name=name, uid=uid)
        return self._effects[uid]

    # -- document ----------------------------------------------------------------------

    def document(self, event_name: str = "Moviola") -> bytes:
        root = etree.Element("fcpxml", version=self.version)
        root.append(self.resources)
        library = etree.SubElement(root, "library")
        event = etree.SubElement(library, "event", name=event_name)
        for n, timeline in enumerate(self.timelines):  # projects side by side, sharing assets
            self._use(timeline)
            before = len(self.skipped)
            project = etree.SubElement(event, "project", name=timeline.name or "Timeline")
            sequence = self.sequence(project, timeline.tracks, model.start_frame(timeline), top=True)
            sequence.set("tcFormat", "DF" if self.drop else "NDF")
            if n and len(self.skipped) > before:  # say which project a note is about
                self.skipped[before:] = [f"{timeline.name or f'project {n + 1}'}: {line}"
                                         for line in self.skipped[before:]]
        body = etree.tostring(root, encoding="UTF-8", pretty_print=True)
        return b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>\n\n' + body

    def sequence(self, parent, stack: otio.schema.Stack, tc_start: int, top: bool = False):
        """A ``sequence``; a nested stack's own markers go on its ``ref-clip``, not in here."""
        tracks = [t for t in stack if isinstance(t, otio.schema.Track)]
        video = [model.layout(t, self.rate) for t in tracks if t.kind == otio.schema.TrackKind.Video]
        audio = [model.layout(t, self.rate) for t in tracks if t.kind == otio.schema.TrackKind.Audio]
        duration = max([p.end for lay in video + audio for p in lay.items] or [0])
        sequence = etree.SubElement(parent, "sequence", format=self.format_id, duration=self.t(duration),
                                    tcStart=self.t(tc_start), tcFormat="NDF", audioLayout="stereo",
                                    audioRate="48k")
        spine = etree.SubElement(sequence, "spine")
        audio_only = not video and bool(audio)
        if audio_only:
            # An audio-only project: its first sound track is the primary storyline.
            video, audio = [audio[0]], audio[1:]
        primary = video[0].items[:] if video else []
        # A connected track with transitions (an audio crossfade) is a connected storyline:
        # FCPXML puts transitions only in storylines. Its sound is then not the V1 clips'.
        # A file's further sound streams play in the asset-clip of its first stream (its
        # audio-channel-sources name them all): their own tracks are not written again.
        lanes = [(lane, lay) for lane, lay in self._connected_lanes(video, audio)
                 if not lay.clips or not all(_further_stream(p.item) for p in lay.clips)]
        storylines = [(lane, lay) for lane, lay in lanes if lay.transitions]
        in_storyline = {id(p.item) for _lane, lay in storylines for p in lay.clips}
        links = self._linked_audio(video[0] if video else None, audio)
        silent = {links[i] for i in in_storyline if i in links}  # V1 clips whose sound is in a storyline
        linked = {a: v for a, v in links.items() if a not in in_storyline and v not in silent}
        # Pad the spine with a gap so that every connected clip has something to hang on.
        end = primary[-1].end if primary else 0
        if duration > end:
            primary.append(model.Placed(otio.schema.Gap(), end, duration - end))
        anchored: dict[int, list[tuple[int, model.Placed]]] = {i: [] for i in range(len(primary))}
        for lane, lay in lanes:
            if lay.transitions:
                if lay.clips:
                    first = lay.clips[0].start
                    index = next((i for i, p in enumerate(primary) if p.start <= first < p.end), len(primary) - 1)
                    if index >= 0:
                        anchored[index].append((lane, lay))
                continue
            for placed in lay.clips:
                if id(placed.item) in linked or _further_stream(placed.item):
                    continue
                index = next((i for i, p in enumerate(primary) if p.start <= placed.start < p.end),
                             len(primary) - 1)
                if index >= 0:
                    anchored[index].append((lane, placed))
        markers = self._sequence_markers(stack, primary) if top else {}
        transitions = {t.cut: t for t in (video[0].transitions if video else [])}
        for index, placed in enumerate(primary):
            transition = transitions.pop(placed.start, None)
            if transition is not None:  # index 0: a fade in at the head of the spine
                etree.SubElement(spine, "transition", name=transition.item.name or "Cross Dissolve",
                                 offset=self.t(tc_start + transition.start),
                                 duration=self.t(transition.before + transition.after))
            element = self.item(spine, placed, (tc_start + placed.start) * self.frame, None, anchored.get(index, []),
                                markers.get(index, []), with_audio=audio_only or id(placed.item) in linked.values())
            short = placed.duration * self.frame - fcpxml_seconds(element.get("duration"))
            if short > 0:  # a clip shortened to its media's end: keep the spine's timing with a gap
                etree.SubElement(spine, "gap", name="Gap", offset=fcpxml_time((tc_start + placed.end) * self.frame - short),
                                 start="0s", duration=fcpxml_time(short))
        for cut, transition in sorted(transitions.items()):  # a fade out at the tail
            if primary and cut == primary[-1].end:
                etree.SubElement(spine, "transition", name=transition.item.name or "Cross Dissolve",
                                 offset=self.t(tc_start + transition.start),
                                 duration=self.t(transition.before + transition.after))
            else:
                self.skipped.append(f"transition at frame {cut} with no spine clip to attach to")
        return sequence

    def _connected_lanes(self, video, audio):
        for k, lay in enumerate(video[1:], 1):
            yield k, lay
        for k, lay in enumerate(audio, 1):
            yield -k, lay

    def _linked_audio(self, v1: model.TrackLayout | None, audio) -> dict[int, int]:
        """Audio items that are the sound of a V1 clip: ``{id(audio item): id(v1 clip)}``."""
        if v1 is None:
            return {}
        keys = {}
        for placed in v1.clips:
            if isinstance(placed.item, otio.schema.Clip):
                url = getattr(placed.item.media_reference, "target_url", None)
                if url:
                    keys[(url, placed.start, placed.duration, placed.source)] = id(placed.item)
        linked = {}
        for lay in audio:
            for placed in lay.clips:
                url = getattr(getattr(placed.item, "media_reference", None), "target_url", None)
                key = (url, placed.start, placed.duration, placed.source)
                # A further sound stream of the same file is part of the same asset-clip.
                further = int(model.lookup(placed.item, "stream") or 1) > 1
                if url and key in keys and (further or keys[key] not in linked.values()):
                    linked[id(placed.item)] = keys[key]
        return linked

    def _sequence_markers(self, stack, primary) -> dict[int, list[tuple[int, otio.schema.Marker]]]:
        """Timeline markers go onto the spine item under them (FCPXML has no others)."""
        result: dict[int, list] = {}
        for marker in stack.markers:
            frame = rates.frames(marker.marked_range.start_time, self.rate)
            index = next((i for i, p in enumerate(primary) if p.start <= frame < p.end), None)
            if index is None:
                self.skipped.append(f"timeline marker {marker.name!r} past the last clip")
                continue
            result.setdefault(index, []).append((frame - primary[index].start, marker))
        return result

    # -- items ---------------------------------------------------------------------------

    def _storyline(self, parent, lay: model.TrackLayout, lane: int, offset: Fraction) -> None:
        """A connected track with its transitions, from its first clip to its last, as a
        ``spine`` in ``lane``; ``offset`` (the parent's local time) is its first clip's.
        As Final Cut writes them, the storyline's items count from 0s, its own start."""
        clips = lay.clips
        first, last = clips[0].start, clips[-1].end
        spine = etree.SubElement(parent, "spine", lane=str(lane), offset=fcpxml_time(offset))
        at = {t.cut: t for t in lay.transitions}
        sound = lane < 0
        offset = Fraction(0)

        def transition(placed_transition) -> None:
            etree.SubElement(spine, "transition", name=placed_transition.item.name or "Cross Dissolve",
                             offset=self.t(max(placed_transition.start - first, 0)),
                             duration=self.t(placed_transition.before + placed_transition.after))

        for placed in lay.items:
            if placed.start < first or placed.start >= last:
                continue  # the track's gaps before its first clip and after its last
            if placed.start in at:
                transition(at.pop(placed.start))
            element = self.item(spine, placed, offset + (placed.start - first) * self.frame, None, sound=sound)
            short = placed.duration * self.frame - fcpxml_seconds(element.get("duration"))
            if short > 0:  # shortened to its media's end: a gap keeps the storyline's timing
                etree.SubElement(spine, "gap", name="Gap", start="0s", duration=fcpxml_time(short),
                                 offset=fcpxml_time(offset + (placed.end - first) * self.frame - short))
        for cut, placed_transition in sorted(at.items()):
            if cut == last:  # a fade out at its tail
                transition(placed_transition)
            else:
                self.skipped.append(f"transition at frame {cut} on {lay.track.name or lane} with no clip "
                                    "to attach to")

    def item(self, parent, placed: model.Placed, offset: Fraction, lane: int | None,
             anchored=(), record_markers=(), with_audio: bool = True, sound: bool = False):
        """One story element; ``offset`` is in the parent's time, in seconds; ``sound``: its
        audio only (a clip in a sound storyline)."""
        item = placed.item
        attrib = {}
        if lane is not None:
            attrib["lane"] = str(lane)
        attrib["offset"] = fcpxml_time(offset)
        local_start = placed.source
        origin = placed.source * self.frame  # the element's first frame in its own time
        if isinstance(item, otio.schema.Gap):
            element = etree.SubElement(parent, "gap", attrib, name=item.name or "Gap",
                                       start=self.t(0), duration=self.t(placed.duration))
            local_start, origin = 0, Fraction(0)
        elif isinstance(item, otio.schema.Stack):
            media_id = self._compound(item)
            element = etree.SubElement(parent, "ref-clip", attrib, ref=media_id, name=item.name or "Compound Clip",
                                       start=self.t(placed.source), duration=self.t(placed.duration))
        elif isinstance(item.media_reference, otio.schema.GeneratorReference):
            uid = model.lookup(item.media_reference, "effect_uid") or _BASIC_TITLE
            effect_id = self._effect(uid, item.media_reference.name or item.name or "Title")
            element = etree.SubElement(parent, "title", attrib, ref=effect_id, name=item.name or "Title",
                                       start=self.t(placed.source), duration=self.t(placed.duration))
        else:
            asset_id = self._asset(item)
            facts = model.media_facts(item.media_reference, self.rate)
            origin, duration = self._media_grid(item, facts, placed)
            element = etree.SubElement(parent, "asset-clip", attrib, ref=asset_id, name=item.name or "",
                                       start=fcpxml_time(origin), duration=self.t(duration))
            if (lane is not None and lane < 0) or sound:
                element.set("srcEnable", "audio")
            elif not with_audio and facts.has_audio and facts.has_video:
                element.set("srcEnable", "video")
            element.set("tcFormat", "DF" if facts.drop_frame else "NDF")
        speed = model.speed(item)
        if speed and speed > 0 and element.tag == "asset-clip":
            # A retimed clip counts in its retimed (local) time: media time / speed. The
            # timeMap maps local time back to the media's, a straight line through 0s.
            origin = origin / speed
            element.set("start", fcpxml_time(origin))
            time_map = etree.Element("timeMap")
            element.insert(0, time_map)
            end = origin + placed.duration * self.frame
            etree.SubElement(time_map, "timept", time="0s", value="0s", interp="linear")
            etree.SubElement(time_map, "timept", time=fcpxml_time(end), value=fcpxml_time(end * speed),
                             interp="linear")
        elif speed is not None:
            what = "reversed or frozen clip" if speed <= 0 else f"speed change on {element.tag}"
            self.skipped.append(f"{what} {item.name!r} written at 100%")
            speed = None
        if not item.enabled:
            element.set("enabled", "0")
        for lane_, child in anchored:
            if isinstance(child, model.TrackLayout):
                self._storyline(element, child, lane_, origin + (child.clips[0].start - placed.start) * self.frame)
            else:
                self.item(element, child, origin + (child.start - placed.start) * self.frame, lane_)
        self._markers(element, item, local_start, record_markers, origin, speed or 1)
        if element.tag == "asset-clip" and element.get("srcEnable") != "video":
            self._channel_sources(element, model.media_facts(item.media_reference, self.rate))
        return element

    @staticmethod
    def _channel_sources(element, facts: model.MediaFacts) -> None:
        """Each sound stream of a multi-stream file with its own role, so none is lost."""
        if len(facts.audio_streams) < 2:
            return
        first = 1
        for stream, channels in enumerate(facts.audio_streams, 1):
            etree.SubElement(element, "audio-channel-source",
                             srcCh=", ".join(str(c) for c in range(first, first + channels)),
                             role=f"dialogue.dialogue-{stream}")
            first += channels

    def _media_grid(self, clip, facts: model.MediaFacts, placed: model.Placed) -> tuple[Fraction, int]:
        """A clip's ``start`` on its media's own frame grid (as Final Cut writes mixed-rate
        projects) and its duration in sequence frames, never past the media's last frame."""
        exact = Fraction(clip.source_range.start_time.value).limit_denominator(1_000_000) \
            / rates.exact_rate(clip.source_range.start_time.rate)
        media_first = Fraction(facts.start) / facts.rate
        origin = max(Fraction(round(exact * facts.rate)) / facts.rate, media_first)
        duration = placed.duration
        if facts.frames:
            room = (media_first + Fraction(facts.frames) / facts.rate - origin) / self.frame
            speed = model.speed(clip)
            if speed and speed > 0:  # a retimed clip uses its media that much faster
                room /= speed
            if room < duration - 1:  # the timeline itself asks for more than the media holds
                self.skipped.append(f"clip {clip.name!r} runs {float((duration - room) * self.frame):.2f} s "
                                    "past the end of its media")
            elif duration > room:  # sequence-grid rounding: end on the media's last frame
                duration = max(int(room), 1)
                self.skipped.append(f"clip {clip.name!r} shortened to {duration} frames: its media ends there")
        return origin, duration

    def _markers(self, element, item, local_start: int, record_markers, origin: Fraction,
                 speed: Fraction = Fraction(1)) -> None:
        """Markers (and captions) at ``origin`` + their distance from the clip's first frame,
        in the element's local time (``speed``: a retimed clip's media runs that much faster)."""
        emotion = model.clip_emotion(item) if isinstance(item, otio.schema.Clip) else None
        entries = [(rates.frames(m.marked_range.start_time, self.rate), m) for m in item.markers]
        if emotion:
            entries.insert(0, (local_start, otio.schema.Marker(
                name=emotion["label"], comment=model.emotion_comment(emotion),
                marked_range=rates.time_range(local_start, 0, self.rate))))
        # Timeline markers are at record distances, which a retimed clip's media covers faster.
        entries += [(local_start + round(offset * speed), m) for offset, m in record_markers]
        if element.tag == "asset-clip":  # spoken lines become captions (FCP and Resolve read them)
            for frame, marker in [e for e in entries if model.is_transcript(e[1])]:
                self._caption(element, marker, origin + (frame - local_start) * self.frame / speed)
            entries = [e for e in entries if not model.is_transcript(e[1])]
        for frame, marker in model.merge_markers(entries):
            length = max(rates.frames(marker.marked_range.duration, self.rate), 1)
            attrib = {"start": fcpxml_time(origin + (frame - local_start) * self.frame / speed),
                      "duration": self.t(length), "value": marker.name or ""}
            note = model.marker_comment(marker)
            if note:
                attrib["note"] = note
            etree.SubElement(element, "marker", attrib)

    def _caption(self, parent, marker: otio.schema.Marker, offset: Fraction) -> None:
        """A spoken line as an iTT caption anchored at ``offset`` (the parent's local time),
        as Final Cut writes them: its own text style, role ``iTT?captionFormat=ITT.en``."""
        self._styles += 1
        style = f"ts{self._styles}"
        length = max(rates.frames(marker.marked_range.duration, self.rate), 1)
        caption = etree.SubElement(parent, "caption", lane=str(CAPTION_LANE), offset=fcpxml_time(offset),
                                   name=marker.name or "", start="3600s", duration=self.t(length),
                                   role="iTT?captionFormat=ITT.en")
        text = etree.SubElement(caption, "text", placement="bottom")
        etree.SubElement(text, "text-style", ref=style).text = marker.name or ""
        definition = etree.SubElement(caption, "text-style-def", id=style)
        etree.SubElement(definition, "text-style", font=".AppleSystemUIFont", fontSize="13", fontFace="Regular",
                         fontColor="1 1 1 1", backgroundColor="0 0 0 1")

    def _compound(self, stack: otio.schema.Stack) -> str:
        media_id = self._next_id()
        media = etree.SubElement(self.resources, "media", id=media_id, name=stack.name or "Compound Clip")
        self.sequence(media, stack, 0)
        return media_id


def _further_stream(item) -> bool:
    """A clip that plays a file's second (or later) sound stream (engine.timeline.conform)."""
    return int(model.lookup(item, "stream") or 1) > 1


def write_fcpxml(timeline: otio.schema.Timeline | list[otio.schema.Timeline],
                 version: str = DEFAULT_VERSION) -> tuple[bytes, list[str]]:
    """The timeline (or several, one project each) as FCPXML bytes, and lines naming what
    FCPXML could not carry."""
    writer = FcpxmlWriter(timeline, version)
    return writer.document(), writer.skipped
