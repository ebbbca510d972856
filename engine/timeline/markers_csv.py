"""A marker list as CSV (UTF-8 with BOM, so spreadsheet programs read accents right)."""
from __future__ import annotations

import csv
import io

import opentimelineio as otio

from engine.timeline import model, rates

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection):
# OWASP's advice is to make it text with a leading single quote.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

COLUMNS = ("Timeline", "Track", "Clip", "Record In", "Record Out", "Source In", "Name", "Comment",
           "Colour", "Emotion", "Valence", "Arousal", "Confidence")


def write_markers_csv(timeline: otio.schema.Timeline) -> str:
    """Every marker and every shot's emotion, in record order, one row each."""
    rate = model.timeline_rate(timeline)
    drop = model.drop_frame(timeline)
    origin = model.start_frame(timeline)
    tc = lambda frame: rates.to_timecode(max(frame, 0), rate, drop)  # noqa: E731
    rows = []

    def marker_row(track, clip, at, source, marker):
        length = rates.frames(marker.marked_range.duration, rate)
        emotion = model.lookup(marker, "emotion") or {}
        return (at, [timeline.name, track, clip, tc(origin + at), tc(origin + at + length) if length else "",
                     tc(source) if source is not None else "", marker.name, marker.comment or "",
                     str(marker.color).title(), emotion.get("label", ""), "", "", ""])

    for marker in timeline.tracks.markers:
        rows.append(marker_row("", "", rates.frames(marker.marked_range.start_time, rate), None, marker))
    for track in timeline.tracks:
        if not isinstance(track, otio.schema.Track):
            continue
        for placed in model.layout(track, rate).clips:
            item = placed.item
            emotion = model.clip_emotion(item) if isinstance(item, otio.schema.Clip) else None
            if emotion and track.kind == otio.schema.TrackKind.Video:
                rows.append((placed.start, [timeline.name, track.name, item.name, tc(origin + placed.start),
                                            tc(origin + placed.end), tc(placed.source), emotion["label"],
                                            model.emotion_comment(emotion), str(model.emotion_color(emotion)).title(),
                                            emotion["label"], emotion.get("valence", ""), emotion.get("arousal", ""),
                                            emotion.get("confidence", "")]))
            for marker in item.markers:
                source = rates.frames(marker.marked_range.start_time, rate)
                rows.append(marker_row(track.name, item.name, placed.start + source - placed.source, source, marker))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for _at, row in sorted(rows, key=lambda r: r[0]):
        writer.writerow([_cell(value) for value in row])
    return "\ufeff" + out.getvalue()


def _cell(value):
    """Text that a spreadsheet would read as a formula, made inert; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value
