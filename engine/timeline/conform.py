"""Conforming a timeline to what NLEs can hold, before any writer sees it.

Analysis counts a clip's frames by their index in the file; NLEs count them at the
media's rate from its first frame. The two agree only for constant standard rates:

- A variable-frame-rate clip (a phone's) is given its nominal rate (the rate of its
  typical frame spacing, snapped to an NLE rate); each edit point goes to the frame
  the NLE shows at that frame's real presentation time, not at ``index / mean rate``.
- An odd constant rate (29.83) is conformed to the nearest NLE rate the same way,
  by time, with a note for the export report.
- The sequence rate is always an NLE rate, and drop-frame footage at 29.97/59.94
  gives a drop-frame sequence.

Record positions follow: a track's items keep their real-time boundaries, so V1 and
its sound stay in sync after the move.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import opentimelineio as otio

from engine.timeline import model, rates
from engine.timeline.urls import url_to_path


@dataclass
class _Retime:
    """How one media file's frame indices map onto its nominal grid."""

    old_rate: Fraction
    nominal: Fraction
    times: list[Fraction] | None  # presentation time of each frame from the first (VFR), else None
    end: Fraction  # seconds from the first frame's start to the last frame's end

    def seconds(self, index: int) -> Fraction:
        if self.times is None:
            return min(Fraction(index) / self.old_rate, self.end)
        if index >= len(self.times):
            return self.end
        return self.times[max(index, 0)]

    def frame(self, index: int) -> int:
        """The nominal-rate frame the NLE shows at frame ``index``'s presentation time."""
        return round(self.seconds(index) * self.nominal)

    @property
    def frames(self) -> int:
        return int(self.end * self.nominal)  # whole frames only: never past the media's end


def frame_times(path: str) -> tuple[list[Fraction], Fraction, Fraction] | None:
    """Presentation times of every frame (seconds from the first frame), the typical
    spacing's rate, and the end time; None when the file cannot be indexed.

    The one place a VFR file's frame index becomes time: exports and annotations both
    place frames by it.
    """
    try:
        import av

        from engine.media import MediaError
        from engine.media.probe import probe_with_index
    except ImportError:
        return None
    try:
        _info, index = probe_with_index(path)
        with av.open(path) as container:
            base = container.streams.video[0].time_base
    except (MediaError, OSError, av.error.FFmpegError, IndexError):
        return None
    if index is None or len(index) < 2:
        return None
    ticks = [int(t) for t in index.pts]
    deltas = sorted(b - a for a, b in zip(ticks, ticks[1:], strict=False))
    typical = deltas[len(deltas) // 2]
    times = [Fraction(t - ticks[0]) * base for t in ticks]
    last = index.last_duration or typical
    return times, 1 / (typical * base), times[-1] + last * base


class Conformer:
    def __init__(self, timeline: otio.schema.Timeline):
        self.timeline = timeline
        self.notes: list[str] = []
        self._retimes: dict[str, _Retime | None] = {}

    def retime_for(self, ref) -> _Retime | None:
        url = getattr(ref, "target_url", None)
        probe = model.lookup(ref, "probe") if ref is not None else None
        video = probe.get("video") if hasattr(probe, "get") else None
        if not url or not hasattr(video, "get") or not video.get("frame_rate"):
            return None
        if url in self._retimes:
            return self._retimes[url]
        old = rates.exact_rate(str(video["frame_rate"]))
        retime = None
        name = url.rsplit("/", 1)[-1]
        if video.get("is_vfr"):
            found = frame_times(url_to_path(url))
            if found is not None:
                times, typical, end = found
                retime = _Retime(old, rates.nle_rate(typical), times, end)
                self.notes.append(f"{name}: variable frame rate (mean {float(old):.3f} fps) placed at its "
                                  f"nominal {_label(retime.nominal)} fps by each frame's presentation time")
        elif not rates.is_nle_rate(old):
            count = video.get("frame_count")
            end = Fraction(int(count)) / old if count else Fraction(10**9)
            retime = _Retime(old, rates.nle_rate(old), None, end)
            self.notes.append(f"{name}: {float(old):.3f} fps is no NLE rate; conformed to "
                              f"{_label(retime.nominal)} fps, edit points placed by time")
        self._retimes[url] = retime
        return retime

    def run(self) -> tuple[otio.schema.Timeline, list[str]]:
        timeline = self.timeline
        old_rate = model.timeline_rate(timeline)
        new_rate = None
        tracks = [t for t in timeline.tracks if isinstance(t, otio.schema.Track)]
        tracks.sort(key=lambda t: t.kind != otio.schema.TrackKind.Video)  # picture sets the boundaries
        boundaries: dict[Fraction, Fraction] = {}
        for track in tracks:
            for item in track:
                if isinstance(item, otio.schema.Clip):
                    retime = self.retime_for(item.media_reference)
                    if retime is not None and retime.old_rate == old_rate and new_rate is None:
                        new_rate = retime.nominal
        seq = new_rate or rates.nle_rate(old_rate)
        if seq != old_rate:
            if new_rate is None:
                self.notes.append(f"sequence rate {float(old_rate):.3f} fps is no NLE rate; written at {_label(seq)} fps")
            model.meta(timeline)["rate"] = rates.rate_string(seq)
        for track in tracks:
            self._track(track, boundaries)
        self._drop_frame(timeline, seq)
        self._sound_streams(timeline)
        self._crossfades(timeline, seq)
        return timeline, self.notes

    def _crossfades(self, timeline: otio.schema.Timeline, rate: Fraction) -> None:
        """A proposal's audio crossfades (``metadata["moviola"]["audio"]`` fade frames on two
        sound clips that meet) become transitions, so every writer carries them to the NLE.
        The fade sits across the cut, using the media beyond each clip's edge; where the media
        has no frame to spare there, the cut stays hard and the report says so."""
        made = hard = 0
        for track in timeline.audio_tracks():
            items = list(track)
            for index in range(len(items) - 1, 0, -1):
                before_clip, after_clip = items[index - 1], items[index]
                if not (isinstance(before_clip, otio.schema.Clip) and isinstance(after_clip, otio.schema.Clip)):
                    continue
                fade = max(int(model.lookup(before_clip, "audio", "fade_out_frames") or 0),
                           int(model.lookup(after_clip, "audio", "fade_in_frames") or 0))
                if fade <= 0:
                    continue
                # in_offset reaches before the cut into the next clip's head, out_offset past it
                # into the previous clip's tail: try a centred fade (split as an EDL reader
                # centres a dissolve, so the cut comes back where it was), then either side alone.
                for into_next, into_previous in ((fade // 2, fade - fade // 2), (fade, 0), (0, fade)):
                    if _spare(after_clip, rate, head=True) >= into_next and \
                            _spare(before_clip, rate, head=False) >= into_previous:
                        track.insert(index, otio.schema.Transition(
                            name="Cross Fade (+3dB)", transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
                            in_offset=rates.rational(into_next, rate), out_offset=rates.rational(into_previous, rate)))
                        made += 1
                        break
                else:
                    hard += 1
        if made:
            self.notes.append(f"{made} audio crossfade(s) written as transitions")
        if hard:
            self.notes.append(f"{hard} audio crossfade(s) left as hard cuts: no media beyond the clips' edges")

    def _sound_streams(self, timeline: otio.schema.Timeline) -> None:
        """A track of its own for each further sound stream of a clip's file (a camera's second
        stereo pair, a recorder's iso track), right under the track that plays stream 1.

        Clips already present once per stream (an imported NLE timeline lays them out
        itself) are left alone. The new clips carry ``metadata["moviola"]["stream"]`` and
        share the record and source range, so writers keep them linked to the picture.
        """
        stack = timeline.tracks
        audio = [t for t in stack if isinstance(t, otio.schema.Track) and t.kind == otio.schema.TrackKind.Audio]
        copies: dict[tuple, int] = {}
        placed: list[tuple[otio.schema.Track, otio.schema.Clip, otio.opentime.TimeRange]] = []
        for track in audio:
            for index, item in enumerate(track):
                if isinstance(item, otio.schema.Clip):
                    record = track.range_of_child_at_index(index)
                    key = (getattr(item.media_reference, "target_url", None), _seconds(record.start_time),
                           _seconds(item.source_range.start_time))
                    copies[key] = copies.get(key, 0) + 1
                    placed.append((track, item, record, key))
        added: dict[tuple[int, int], otio.schema.Track] = {}
        for track, clip, record, key in placed:
            probe = model.lookup(clip.media_reference, "probe")
            streams = list(probe.get("audio") or []) if hasattr(probe, "get") else []
            if len(streams) < 2 or copies[key] >= len(streams) or model.lookup(clip, "stream"):
                continue
            for stream in range(2, len(streams) + 1):
                extra = added.get((id(track), stream))
                if extra is None:
                    extra = otio.schema.Track(name=f"{track.name or 'A'} stream {stream}",
                                              kind=otio.schema.TrackKind.Audio)
                    model.meta(extra)["channels"] = int(streams[stream - 1].get("channels") or 2)
                    added[(id(track), stream)] = extra
                end = extra.duration() if len(extra) else otio.opentime.RationalTime(0, record.start_time.rate)
                hole = _seconds(record.start_time) - _seconds(end)
                if hole > 0:
                    rate = rates.exact_rate(record.start_time.rate)
                    extra.append(otio.schema.Gap(source_range=rates.time_range(0, round(hole * rate), rate)))
                copy = clip.clone()
                copy.markers.clear()
                model.meta(copy)["stream"] = stream
                extra.append(copy)
        for track in reversed(audio):
            streams = sorted((k, t) for (owner, k), t in added.items() if owner == id(track))
            at = list(stack).index(track) + 1
            for _k, extra in reversed(streams):
                stack.insert(at, extra)
        if added:
            self.notes.append(f"{len(added)} audio track(s) added for the files' further sound streams")

    def _track(self, track: otio.schema.Track, boundaries: dict[Fraction, Fraction]) -> None:
        old_cursor = Fraction(0)
        new_cursor = Fraction(0)
        for item in list(track):
            if isinstance(item, otio.schema.Transition) or item.source_range is None:
                if not isinstance(item, otio.schema.Transition):
                    length = _seconds(item.duration())
                    old_cursor += length
                    new_cursor += length
                continue
            old_length = _seconds(item.source_range.duration)
            old_end = old_cursor + old_length
            retime = self.retime_for(item.media_reference) if isinstance(item, otio.schema.Clip) else None
            if retime is not None:
                self._retime_clip(item, retime)
                new_length = _seconds(item.source_range.duration)
                boundaries.setdefault(_key(old_end), new_cursor + new_length)
            elif _key(old_end) in boundaries and boundaries[_key(old_end)] > new_cursor \
                    and not isinstance(item, otio.schema.Clip):
                # A gap (a shot without sound) ends where its picture ends.
                new_length = boundaries[_key(old_end)] - new_cursor
                rate = item.source_range.duration.rate
                item.source_range = otio.opentime.TimeRange(
                    item.source_range.start_time,
                    otio.opentime.RationalTime(float(new_length * Fraction(rate).limit_denominator(1001)), rate))
            else:
                new_length = old_length
            old_cursor, new_cursor = old_end, new_cursor + new_length

    def _retime_clip(self, clip: otio.schema.Clip, retime: _Retime) -> None:
        ref = clip.media_reference
        old_origin = rates.frames(ref.available_range.start_time, retime.old_rate) if ref.available_range else 0
        first = rates.frames(clip.source_range.start_time, retime.old_rate) - old_origin
        last = first + rates.frames(clip.source_range.duration, retime.old_rate)
        origin_seconds = Fraction(old_origin) / retime.old_rate
        origin = round(origin_seconds * retime.nominal)
        start = retime.frame(first)
        end = min(retime.frame(last), retime.frames)
        clip.source_range = rates.time_range(origin + start, max(end - start, 1), retime.nominal)
        for marker in clip.markers:
            at = rates.frames(marker.marked_range.start_time, retime.old_rate) - old_origin
            length = rates.frames(marker.marked_range.duration, retime.old_rate)
            begin = retime.frame(at)
            marker.marked_range = rates.time_range(
                origin + begin, retime.frame(at + length) - begin if length else 0, retime.nominal)
        if not model.lookup(ref, "conformed"):
            ref.available_range = rates.time_range(origin, retime.frames, retime.nominal)
            probe = dict(model.lookup(ref, "probe"))
            video = dict(probe["video"])
            video.update(frame_rate=rates.rate_string(retime.nominal), frame_count=retime.frames)
            probe["video"] = video
            model.meta(ref)["probe"] = probe
            model.meta(ref)["conformed"] = {"from_rate": rates.rate_string(retime.old_rate),
                                            "vfr": retime.times is not None}
        _ = clip  # the clip's own metadata (emotion, cut) is unchanged

    def _drop_frame(self, timeline: otio.schema.Timeline, rate: Fraction) -> None:
        """Drop-frame footage gives a drop-frame sequence (a proposal stores NDF by default)."""
        if not rates.supports_drop_frame(rate) or model.lookup(timeline, "drop_frame"):
            return
        votes = []
        for clip in timeline.find_clips():
            facts = model.media_facts(clip.media_reference, rate)
            if facts.has_video and facts.rate == rate:
                votes.append(facts.drop_frame)
        if votes and sum(votes) * 2 > len(votes):
            model.meta(timeline)["drop_frame"] = True
            self.notes.append("drop-frame timecode, as the footage has")


def _spare(clip: otio.schema.Clip, rate: Fraction, head: bool) -> int:
    """Frames (at ``rate``) of media before the clip's first frame (``head``) or after its
    last; 0 when the media's extent is unknown."""
    facts = model.media_facts(clip.media_reference, rate)
    if not facts.frames:
        return 0
    media_start = Fraction(facts.start) / facts.rate
    first = _seconds(clip.source_range.start_time)
    if head:
        return int((first - media_start) * rate)
    end = first + _seconds(clip.source_range.duration)
    return int((media_start + Fraction(facts.frames) / facts.rate - end) * rate)


def _seconds(time: otio.opentime.RationalTime) -> Fraction:
    return Fraction(time.value).limit_denominator(1_000_000) / rates.exact_rate(time.rate)


def _key(seconds: Fraction) -> Fraction:
    return seconds.limit_denominator(100_000)


def _label(rate: Fraction) -> str:
    return f"{float(rate):.3f}".rstrip("0").rstrip(".")


def conform(timeline: otio.schema.Timeline) -> tuple[otio.schema.Timeline, list[str]]:
    """A copy on an NLE rate with VFR/odd-rate clips moved to their nominal grid, and notes."""
    return Conformer(timeline.clone()).run()
