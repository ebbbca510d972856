"""CMX3600 EDLs: writing (picture V1 and sound A1/A2) and reading, with markers.

Our own code because otio-cmx3600-adapter writes only single-video-track timelines,
rejects events whose source and record lengths differ (real Avid/Pro Tools lists
have them) and ignores Resolve's marker lines (../shared/nle/CHECKLIST.md).

CMX3600 has one picture track and 8-character reels; file-based media uses reel
``AX`` with ``* FROM CLIP NAME:`` and ``* SOURCE FILE:`` comments. Dissolves are
written the CMX way: the incoming event starts where the dissolve starts.
"""
from __future__ import annotations

import re
import unicodedata
from fractions import Fraction

import opentimelineio as otio

from engine.timeline import model, rates
from engine.timeline.errors import InterchangeError
from engine.timeline.placing import fit_after
from engine.timeline.report import Unsupported
from engine.timeline.urls import file_name, to_otio_url

# Resolve's marker colours as its EDL marker lines spell them.
RESOLVE_COLORS = {
    otio.schema.MarkerColor.RED: "Red", otio.schema.MarkerColor.GREEN: "Green",
    otio.schema.MarkerColor.BLUE: "Blue", otio.schema.MarkerColor.CYAN: "Cyan",
    otio.schema.MarkerColor.PINK: "Pink", otio.schema.MarkerColor.PURPLE: "Purple",
    otio.schema.MarkerColor.YELLOW: "Yellow", otio.schema.MarkerColor.ORANGE: "Sand",
    otio.schema.MarkerColor.WHITE: "Cream", otio.schema.MarkerColor.BLACK: "Cocoa",
    otio.schema.MarkerColor.MAGENTA: "Fuchsia",
}
_COLOR_BY_RESOLVE = {v.upper(): k for k, v in RESOLVE_COLORS.items()}
_EVENT = re.compile(
    r"^(?P<num>\d{1,6})\s+(?P<reel>\S+)\s+(?P<channel>\S+)\s+(?P<kind>C|D|W\d+|K\s*[BO]?)\s*(?P<length>\d+)?\s+"
    r"(?P<src_in>\d\d[:;.]\d\d[:;.]\d\d[:;.]\d\d)\s+(?P<src_out>\d\d[:;.]\d\d[:;.]\d\d[:;.]\d\d)\s+"
    r"(?P<rec_in>\d\d[:;.]\d\d[:;.]\d\d[:;.]\d\d)\s+(?P<rec_out>\d\d[:;.]\d\d[:;.]\d\d[:;.]\d\d)\s*$")
_RESOLVE_MARKER = re.compile(r"^(?P<note>.*?)\s*\|C:ResolveColor(?P<color>\w+)\s*\|M:(?P<name>.*?)\s*\|D:(?P<dur>\d+)\s*$")
_LOC = re.compile(r"^\*\s*LOC:\s*(?P<tc>\d\d[:;.]\d\d[:;.]\d\d[:;.]\d\d)\s+(?P<color>\w+)?\s*(?P<name>.*)$")
_LINE = 80
# CMX3600's speed line: reel, the source's frames per second, the source timecode it applies at.
_M2 = re.compile(r"^M2\s+(?P<reel>\S+)\s+(?P<fps>-?\d+(?:\.\d+)?)\s+(?P<tc>\d\d[:;.]\d\d[:;.]\d\d[:;.]\d\d)\s*$")
# Our note of a source at another rate than the EDL's: its own timecode (in and out).
_OWN_RATE = re.compile(r"^SOURCE TC AT (?P<fps>\d+(?:\.\d+)?):\s*(?P<tc>\d\d[:;.]\d\d[:;.]\d\d[:;.]\d\d)"
                       r"\s+\d\d[:;.]\d\d[:;.]\d\d[:;.]\d\d\s*$")


def ascii_text(text: str) -> str:
    """EDLs are ASCII: accents are stripped, anything else becomes ``?``."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.encode("ascii", "replace").decode("ascii").replace("\r", " ").replace("\n", " ")


def _reel(clip) -> str:
    reel = str(model.lookup(clip.media_reference, "reel") or "") if clip.media_reference else ""
    reel = re.sub(r"[^A-Z0-9_]", "", ascii_text(reel).upper())
    return reel[:8] if reel else "AX"


# -- writing ------------------------------------------------------------------------------

def write_edl(timeline: otio.schema.Timeline, marker_style: str = "loc") -> tuple[str, list[str]]:
    """The timeline as a CMX3600 EDL (CRLF line ends) and what it could not carry.

    Args:
        marker_style: ``"loc"`` writes ``* LOC:`` lines after the event under each marker;
            ``"resolve"`` writes Resolve's marker list instead (one event per marker, with
            ``|C:ResolveColor… |M:… |D:…``), for Resolve's "Import Timeline Markers from EDL".
    """
    rate = model.timeline_rate(timeline)
    drop = model.drop_frame(timeline)
    origin = model.start_frame(timeline)
    tc = lambda frame: rates.to_timecode(frame, rate, drop)  # noqa: E731
    skipped: list[str] = []
    lines = [f"TITLE: {ascii_text(timeline.name or 'Timeline')[:_LINE - 7]}",
             f"FCM: {'DROP FRAME' if drop else 'NON-DROP FRAME'}", ""]
    if marker_style == "resolve":
        return _resolve_markers(timeline, rate, origin, tc, lines), skipped
    if marker_style != "loc":
        raise ValueError(f"marker_style must be 'loc' or 'resolve', not {marker_style!r}")

    video = timeline.video_tracks()
    audio = timeline.audio_tracks()
    for track in video[1:]:
        skipped.append(f"track {track.name or 'V2+'} (CMX3600 has one picture track)")
    for track in audio[2:]:
        skipped.append(f"track {track.name or 'A3+'} (only A1 and A2 are written)")
    channels = ([("V", video[0])] if video else []) + [(c, t) for c, t in zip(("A", "A2"), audio)]
    markers = [(rates.frames(m.marked_range.start_time, rate), m) for m in timeline.tracks.markers]
    event = 0
    other_rates: set[str] = set()
    for channel, track in channels:
        lay = model.layout(track, rate)
        transitions = {t.cut: t for t in lay.transitions}
        for placed in lay.items:
            item = placed.item
            if isinstance(item, otio.schema.Gap):
                continue
            if not isinstance(item, otio.schema.Clip):
                skipped.append(f"nested sequence {item.name!r} on {track.name} (EDLs are flat)")
                continue
            clip_markers = [(placed.start + rates.frames(m.marked_range.start_time, rate) - placed.source, m)
                            for m in item.markers]
            event += 1
            if event > 999:
                raise InterchangeError(None, "more than 999 events: CMX3600 cannot number them")
            reel = _reel(item)
            transition = transitions.get(placed.start)
            src_in, rec_in = placed.source, placed.start
            if transition is not None and transition.before + transition.after > 0:
                length = transition.before + transition.after
                rec_in -= transition.before
                src_in -= transition.before
                # The outgoing side: a zero-length cut at the dissolve's start.
                previous = lay.items[lay.items.index(placed) - 1]
                prev_src = previous.source + (rec_in - previous.start)
                prev_reel = _reel(previous.item) if isinstance(previous.item, otio.schema.Clip) else "BL"
                lines.append(f"{event:03d}  {prev_reel:<8} {channel:<5} C        "
                             f"{tc(prev_src)} {tc(prev_src)} {tc(origin + rec_in)} {tc(origin + rec_in)}")
                kind = f"D    {min(length, 999):03d}"
            else:
                kind = "C       "
            rec_out = placed.end
            following = transitions.get(placed.end)
            if following is not None and following.before + following.after > 0:
                rec_out -= following.before  # the next event's dissolve starts here
            speed = model.speed(item)
            if speed is not None and speed < 0:
                skipped.append(f"reversed clip {item.name!r} written at 100% (its M2 line is not written)")
                speed = None
            src_out = src_in + round((rec_out - rec_in) * (1 if speed is None else speed))
            lines.append(f"{event:03d}  {reel:<8} {channel:<5} {kind} "
                         f"{tc(src_in)} {tc(src_out)} {tc(origin + rec_in)} {tc(origin + rec_out)}")
            if speed is not None:  # CMX3600's speed line: the source's frames per second (0: a freeze)
                lines.append(f"M2   {reel:<8}       {float(speed * rate):05.1f}                {tc(src_in)}")
            lines.append(f"* FROM CLIP NAME: {ascii_text(item.name)}"[:_LINE])
            own = _own_rate_timecode(item, rate, src_in, src_out)
            if own is not None:
                lines.append(own[:_LINE])
                other_rates.add(own.split(":", 1)[0][len("* SOURCE TC AT "):])
            url = getattr(item.media_reference, "target_url", None)
            if url:
                lines.append(f"* SOURCE FILE: {ascii_text(file_name(url))}"[:_LINE])
            if channel == channels[0][0]:  # markers once, on the first track written
                emotion = model.clip_emotion(item)
                if emotion:
                    lines.append(f"* {model.emotion_comment(emotion)}"[:_LINE])
                here = [(f, m) for f, m in markers if placed.start <= f < placed.end] + clip_markers
                for frame, marker in sorted(here, key=lambda e: e[0]):
                    color = RESOLVE_COLORS.get(marker.color, "Blue").upper()
                    lines.append(f"* LOC: {tc(origin + frame)} {color:<7} {ascii_text(marker.name)}"[:_LINE])
    if other_rates:
        skipped.append(f"media at {', '.join(sorted(other_rates))} fps: CMX3600 has one rate, so their source "
                       "timecode is written at the sequence rate; their own timecode follows each event as "
                       "'* SOURCE TC AT <fps>:'")
    return "\r\n".join(lines) + "\r\n", skipped


def _own_rate_timecode(clip: otio.schema.Clip, rate: Fraction, src_in: int, src_out: int) -> str | None:
    """``* SOURCE TC AT 25: in out`` for a clip whose media runs at another rate than the
    sequence: its source in/out in the media's own timecode (read back by :func:`read_edl`)."""
    facts = model.media_facts(clip.media_reference, rate)
    if not facts.url or facts.rate == rate:
        return None
    own = lambda frame: rates.to_timecode(  # noqa: E731
        round(Fraction(frame) / rate * facts.rate), facts.rate, facts.drop_frame)
    label = f"{float(facts.rate):.3f}".rstrip("0").rstrip(".")
    return f"* SOURCE TC AT {label}: {own(src_in)} {own(src_out)}"


def _resolve_markers(timeline, rate, origin, tc, lines) -> str:
    entries = [(rates.frames(m.marked_range.start_time, rate), m) for m in timeline.tracks.markers]
    video = timeline.video_tracks()
    if video:
        for placed in model.layout(video[0], rate).clips:
            for marker in placed.item.markers:
                entries.append((placed.start + rates.frames(marker.marked_range.start_time, rate)
                                - placed.source, marker))
    for number, (frame, marker) in enumerate(sorted(entries, key=lambda e: e[0]), 1):
        length = max(rates.frames(marker.marked_range.duration, rate), 1)
        at = tc(origin + frame)
        end = tc(origin + frame + 1)
        lines.append(f"{number:03d}  001      V     C        {at} {end} {at} {end}  ")
        color = RESOLVE_COLORS.get(marker.color, "Blue")
        note = ascii_text(model.marker_comment(marker))
        tail = f" |C:ResolveColor{color} |M:{ascii_text(marker.name)} |D:{length}"
        lines.append((note[:max(_LINE - len(tail), 0)] + tail)[:_LINE])
        lines.append("")
    return "\r\n".join(lines) + "\r\n"


# -- reading ------------------------------------------------------------------------------

def read_edl(text: str, rate=None, source=None, name: str | None = None) -> tuple[list[otio.schema.Timeline], list[str]]:
    """One timeline from an EDL; ``rate`` is needed because EDLs do not state it.

    Raises:
        InterchangeError: If no event can be read.
    """
    unsupported = Unsupported()
    if rate is None:
        rate = 24
        unsupported.add("EDLs do not state their frame rate: 24 fps assumed (pass a rate)")
    rate = rates.exact_rate(rate)
    drop = False
    src_drop = None  # an FCM line between events switches the next events' source timecode
    title = name or ""
    events = []  # (num, reel, channel, kind, length, src_in, rec_in, rec_out, comments)
    current = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if line.upper().startswith("TITLE:"):
            title = line[6:].strip() or title
            continue
        if line.upper().startswith("FCM:"):
            mode = "NON" not in line.upper() and "DROP" in line.upper()
            if events:
                src_drop = mode
            else:
                drop = mode
            continue
        match = _EVENT.match(line)
        if match:
            try:
                fields = {k: match[k] for k in ("src_in", "src_out", "rec_in", "rec_out")}
                modes = {"src_in": src_drop, "src_out": src_drop}
                frames = {k: rates.from_timecode(v, rate, True if ";" in v else (
                    drop if modes.get(k) is None else modes[k])) for k, v in fields.items()}
            except ValueError as exc:
                unsupported.add(f"line {number}: {exc}" + (
                    " (a source at another rate? CMX3600 counts every timecode at the EDL's rate)"
                    if "out of range" in str(exc) else ""))
                continue
            current = {"num": match["num"], "reel": match["reel"], "channel": match["channel"].upper(),
                       "kind": match["kind"].replace(" ", ""), "length": int(match["length"] or 0),
                       **frames, "comments": []}
            events.append(current)
            continue
        speed = _M2.match(line)
        if speed and current is not None:
            current["speed"] = float(speed["fps"]) / float(rate)  # the source's frames per second
            continue
        if line.startswith("M2") or line.upper().startswith("SPLIT"):
            unsupported.add(f"{line.split()[0]} lines (speed changes, split edits) ignored")
            continue
        if current is not None:
            current["comments"].append(line)
        elif not line.startswith("*"):
            unsupported.add(f"line {number} not understood")
    if not events:
        raise InterchangeError(source, "no EDL events found")
    _past_midnight(events, rate, drop, unsupported)
    timeline = _build(events, rate, drop, title, unsupported)
    return [timeline], unsupported.lines()


def _past_midnight(events, rate, drop, unsupported) -> None:
    """Timecode wraps at 24 h: an out-point before its in-point, or a record time half a
    day before the previous event's, is on the next day (a source starting at 23:30:00;00)."""
    day = rates.from_timecode(f"23:59:59{';' if drop else ':'}00", rate, drop) + round(rates.exact_rate(rate))
    half = day // 2
    previous = None
    for event in events:
        if event["src_out"] < event["src_in"]:
            event["src_out"] += day
            unsupported.add("source timecode past midnight read as the next day", f"event {event['num']}")
        if previous is not None and event["rec_in"] < previous - half:
            event["rec_in"] += day
            event["rec_out"] += day
        if event["rec_out"] < event["rec_in"]:
            event["rec_out"] += day
        previous = event["rec_in"]
    by_reel: dict[str, list] = {}
    for event in events:
        by_reel.setdefault(event["reel"], []).append(event)
    for reel, same in by_reel.items():  # one source whose timecode runs through midnight
        latest = max(e["src_in"] for e in same)
        if reel.upper() in ("BL", "BLACK") or latest - min(e["src_in"] for e in same) <= half:
            continue
        for event in same:
            if event["src_in"] < latest - half:
                event["src_in"] += day
                event["src_out"] += day
                unsupported.add("source timecode past midnight read as the next day", f"event {event['num']}")


def _channels(channel: str) -> list[tuple[str, int]]:
    """Which tracks an event's channel field puts it on: ``[("V", 1), ("A", 2)]``."""
    tracks = []
    for part in channel.split("/"):
        if part == "V":
            tracks.append(("V", 1))
        elif part == "B":
            tracks += [("V", 1), ("A", 1)]
        elif part == "AA":
            tracks += [("A", 1), ("A", 2)]
        elif part in ("A", "A1"):
            tracks.append(("A", 1))
        elif re.fullmatch(r"A\d+", part):
            tracks.append(("A", int(part[1:])))
        elif part == "NONE":
            continue
    return tracks


def _build(events, rate, drop, title, unsupported) -> otio.schema.Timeline:
    # Record time starts at the hour the first event is in (01:00:00:00 by convention);
    # in drop-frame that hour is not a multiple of 108000 frames, so go through timecode.
    first = min(e["rec_in"] for e in events)
    hours = rates.to_timecode(first, rate, drop)[:2]
    origin = rates.from_timecode(f"{hours}:00:00{';' if drop else ':'}00", rate, drop)
    timeline = otio.schema.Timeline(name=title)
    if origin:
        timeline.global_start_time = rates.rational(origin, rate)
    model.set_timeline_facts(timeline, rate, drop)
    placed: dict[tuple[str, int], list] = {}
    stack_markers = []
    for event in events:
        if event["rec_out"] == event["rec_in"] and event["kind"] == "C":
            continue  # the outgoing half of a dissolve
        src_len = event["src_out"] - event["src_in"]
        rec_len = event["rec_out"] - event["rec_in"]
        speed = event.get("speed")
        if speed is not None and abs(src_len - round(rec_len * speed)) > 1:
            unsupported.add("M2 speed lines that disagree with the event's source length: record length used")
            speed = None
        elif speed is None and src_len != rec_len:
            unsupported.add("events whose source and record lengths differ (speed change or zero-length "
                            "source): record length used")
        clip_name, file_path, markers, emotion, own = "", None, [], None, None
        for comment in event["comments"]:
            body = comment.lstrip("*").strip()
            upper = body.upper()
            if upper.startswith("FROM CLIP NAME:"):
                clip_name = body.split(":", 1)[1].strip()
            elif upper.startswith(("SOURCE FILE:", "FROM FILE:", "FROM CLIP:")):
                file_path = body.split(":", 1)[1].strip()
            elif _LOC.match(comment):
                loc = _LOC.match(comment)
                color = _COLOR_BY_RESOLVE.get((loc["color"] or "").upper(), otio.schema.MarkerColor.RED)
                try:
                    at = rates.from_timecode(loc["tc"], rate, drop) - origin
                except ValueError:
                    continue
                markers.append(model.make_marker(loc["name"].strip(), at, 0, rate, "", color))
            elif _RESOLVE_MARKER.match(body):
                found = _RESOLVE_MARKER.match(body)
                color = _COLOR_BY_RESOLVE.get(found["color"].upper(), otio.schema.MarkerColor.BLUE)
                length = int(found["dur"])
                markers.append(model.make_marker(found["name"], event["rec_in"] - origin, 0 if length <= 1 else length,
                                                 rate, found["note"], color))
            elif model.parse_emotion_comment(body):
                emotion = model.parse_emotion_comment(body)
            elif _OWN_RATE.match(body):
                own = _OWN_RATE.match(body)
        if file_path:
            reference = otio.schema.ExternalReference(target_url=to_otio_url(file_path))
            reference.name = file_name(file_path)
        else:
            reference = otio.schema.MissingReference(name=clip_name or event["reel"])
        model.meta(reference)["reel"] = event["reel"]
        clip = otio.schema.Clip(name=clip_name or event["reel"], media_reference=reference,
                                source_range=rates.time_range(event["src_in"], rec_len, rate))
        if own is not None:  # the media's own rate and timecode, as our writer notes them
            try:
                own_rate = rates.exact_rate(own["fps"])
                own_drop = ";" in own["tc"]
                start = rates.from_timecode(own["tc"], own_rate, own_drop)
            except ValueError:
                unsupported.add("unreadable '* SOURCE TC AT' comment: the sequence-rate source timecode used")
            else:
                clip.source_range = otio.opentime.TimeRange(rates.rational(start, own_rate),
                                                            rates.rational(rec_len, rate).rescaled_to(float(own_rate)))
                model.meta(reference)["media"] = {"rate": rates.rate_string(own_rate), "drop_frame": own_drop}
        if speed is not None:
            clip.effects.append(otio.schema.LinearTimeWarp(name="M2", time_scalar=speed))
        if emotion:
            model.meta(clip)["emotion"] = emotion
        stack_markers += markers
        head = 0
        if event["kind"] == "D" and event["length"]:
            head = event["length"]
        elif event["kind"].startswith(("W", "K")):
            unsupported.add(f"{event['kind'][0]} (wipe/key) transitions imported as dissolves")
            head = event["length"]
        for n, (kind, number) in enumerate(_channels(event["channel"])):
            placed.setdefault((kind, number), []).append(
                (event["rec_in"] - origin, rec_len, clip if n == 0 else clip.clone(), head))
        if not _channels(event["channel"]):
            unsupported.add(f"channel {event['channel']!r} not understood")
    for kind, otio_kind in (("V", otio.schema.TrackKind.Video), ("A", otio.schema.TrackKind.Audio)):
        numbers = [n for k, n in placed if k == kind]
        for number in range(1, max(numbers or [0]) + 1):
            track = otio.schema.Track(name=f"{kind}{number}", kind=otio_kind)
            cursor = 0
            for start, length, clip, head in sorted(placed.get((kind, number), []), key=lambda e: e[0]):
                if head and len(track) and start == cursor:
                    # A CMX dissolve starts at the incoming event; centre it on a cut.
                    before = head // 2
                    after = head - before
                    previous = track[-1]
                    previous.source_range = otio.opentime.TimeRange(
                        previous.source_range.start_time,
                        previous.source_range.duration + rates.rational(before, rate))
                    cursor += before
                    start += before
                    length -= before
                    clip.source_range = otio.opentime.TimeRange(
                        clip.source_range.start_time + rates.rational(before, rate), rates.rational(length, rate))
                    track.append(otio.schema.Transition(
                        name="Cross Dissolve", transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
                        in_offset=rates.rational(before, rate), out_offset=rates.rational(after, rate)))
                placed_at = fit_after(track, clip, start, length, cursor, rate, lambda k=kind, n=number: unsupported.add(
                    f"overlapping events on {k}{n}: later event's head trimmed"))
                if placed_at is None:
                    continue
                start, length = placed_at
                track.append(clip)
                cursor = start + length
            timeline.tracks.append(track)
    timeline.tracks.markers.extend(stack_markers)
    return timeline
