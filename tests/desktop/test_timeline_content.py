"""What the timeline draws from an OTIO timeline: upper tracks, markers (Qt-free helpers).

The timelines are the engine's own shot breakdowns of real media, with a VFX element placed
by ``engine.timeline.placement`` and script beats attached as the window attaches them.
"""
from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import opentimelineio as otio
import pytest

from desktop.timeline.colors import (
    DEFAULT_MARKER,
    ELEMENT_COLORS,
    MARKER_COLORS,
    OTHER_CLIP,
    element_color,
    marker_color,
)
from desktop.timeline.content import Element, Marker, MarkerRows, element_tracks, markers, track_lanes
from desktop.timeline.model import TimelineModel
from engine.media import probe
from engine.script.footage import FootageBeat, attach_markers
from engine.shots import Shot, ShotList, Transition
from engine.timeline import rates
from engine.timeline.breakdown import breakdown
from engine.timeline.placement import place_element


def sequence_shots(media: Path, name: str = "seq00_24fps"):
    """``(MediaInfo, ShotList)`` of a shared sequence: its probe, and its true shots."""
    truth = json.loads((media / "sequences" / f"{name}.json").read_text())
    info = probe(media / "sequences" / truth["file"])
    n = int(truth["frame_count"])
    shots = ShotList(fps=Fraction(truth["fps_rational"]), frame_count=n,
                     shots=[Shot(s["start_frame"], s["end_frame"]) for s in truth["segments"]],
                     transitions=[Transition(t["type"], t["start_frame"], t["end_frame"])
                                  for t in truth["transitions"]],
                     single=np.zeros(n), many=np.zeros(n))
    return info, shots


def place(timeline, start: int, length: int, rate, tmp_path: Path, name: str, kind: str = "element"):
    """Places a (stand-in) rendered element on V2 as the window does after a VFX render."""
    file = tmp_path / f"{name}.mov"
    file.touch()
    return place_element(timeline, rates.time_range(start, length, rate), file, metadata={"kind": kind})


@pytest.fixture(scope="module")
def seq00(media):
    return sequence_shots(media)


def test_a_placed_element_is_on_v2_with_its_frames_name_and_kind(seq00, tmp_path):
    info, shots = seq00
    rate = info.video.frame_rate
    timeline = breakdown(info, shots)
    assert element_tracks(timeline, rate) == []  # a bare breakdown: V1 is the shots row

    place(timeline, 100, 50, rate, tmp_path, "smoke")
    place(timeline, 300, 10, rate, tmp_path, "matte", "keyed")
    [v2] = element_tracks(timeline, rate)
    assert (v2.name, v2.audio) == ("V2", False)
    # Gaps are skipped; ends are inclusive, in timeline frames.
    assert [e[:4] for e in v2.elements] == [(100, 149, "smoke", "element"), (300, 309, "matte", "keyed")]


def test_upper_tracks_are_numbered_by_position_not_by_name(seq00, tmp_path):
    info, shots = seq00
    rate = info.video.frame_rate
    timeline = breakdown(info, shots)
    place(timeline, 24, 48, rate, tmp_path, "smoke")
    titles = otio.schema.Track(name="Titles", kind=otio.schema.TrackKind.Video)
    titles.append(otio.schema.Gap(source_range=rates.time_range(0, 200, rate)))
    titles.append(otio.schema.Clip(name="Main title", source_range=rates.time_range(0, 72, rate)))
    timeline.tracks.append(titles)  # on top of V2
    lanes = element_tracks(timeline, rate)
    assert [(lane.name, lane.title) for lane in lanes] == [("V2", "V2"), ("V3", "Titles")]
    assert lanes[1].elements == [Element(200, 271, "Main title", None)]


def test_track_lanes_stack_a_proposal_in_nle_order():
    from engine.timeline.sample import sample_timeline

    lanes = track_lanes(sample_timeline(24), Fraction(24))
    assert [(lane.name, lane.title) for lane in lanes] == [
        ("V2", "V2 VFX"), ("V1", "V1"), ("A1", "A1"), ("A2", "A2 Music")]
    assert lanes[0].elements == [Element(120, 167, "Smoke", None)]
    assert lanes[1].elements[0].label == "joy"  # the clip's emotion metadata


def test_clip_markers_land_on_timeline_frames_from_source_time(media):
    # A file whose timecode starts at 00:59:58:00: its clips' source ranges (and so their
    # markers) sit an hour in, while the timeline starts at frame 0.
    info = probe(media / "formats" / "h264_23.976fps_timecode.mov")
    n, rate = info.video.frame_count, info.video.frame_rate
    shots = ShotList(fps=rate, frame_count=n, shots=[Shot(0, 39), Shot(40, n - 1)],
                     transitions=[Transition("cut", 40, 40)], single=np.zeros(n), many=np.zeros(n))
    timeline = breakdown(info, shots)
    second = timeline.video_tracks()[0][1]
    source_start = rates.frames(second.source_range.start_time, rate)
    assert source_start > 80_000
    second.markers.append(otio.schema.Marker(
        name="Flash", color=otio.schema.MarkerColor.RED,
        marked_range=rates.time_range(source_start + 10, 1, rate)))
    second.markers.append(otio.schema.Marker(  # in the handle before the cut: not on screen
        name="Handle", marked_range=rates.time_range(source_start - 5, 1, rate)))

    found = markers(timeline, rate)
    # The breakdown's own marker at each shot's first frame, then the editor's.
    assert [(m.frame, m.track) for m in found] == [(0, "V1"), (40, "V1"), (50, "V1")]
    assert found[2] == Marker(50, "Flash", MARKER_COLORS["RED"], "V1", "")
    assert found[0].color == MARKER_COLORS["BLUE"] and found[0].name == "shot 1"


def test_script_beats_are_timeline_markers(seq00):
    info, shots = seq00
    rate = info.video.frame_rate
    timeline = breakdown(info, shots)
    beats = [FootageBeat(2.0, 5.0, "tense", [1], text="She hesitates at the door."),
             FootageBeat(10.0, 12.0, "joyful", [4], text="They laugh.")]
    attach_markers(timeline, beats, rate=float(rate))
    beat_markers = [m for m in markers(timeline, rate) if m.track is None]
    assert [m.frame for m in beat_markers] == [48, 240]
    assert beat_markers[0].comment == "She hesitates at the door."
    assert all(m.color in MARKER_COLORS.values() for m in beat_markers)
    # Sorted with the clip markers: one list, by frame.
    frames = [m.frame for m in markers(timeline, rate)]
    assert frames == sorted(frames)


def test_marker_rows_group_by_row_and_bisect():
    found = [Marker(30, "b", track="V1"), Marker(10, "a"), Marker(12, "c", track="A1"),
             Marker(90, "d")]
    rows = MarkerRows(found, lambda track: "shots")
    assert [m.name for m in rows.visible("ruler", 0, 100)] == ["a", "d"]
    assert [m.name for m in rows.visible("shots", 0, 100)] == ["c", "b"]
    assert [m.name for m in rows.near("shots", 28, 3)] == ["b"]
    assert rows.visible("V2", 0, 100) == [] and MarkerRows([], str).near("ruler", 0, 5) == []


def test_colours_of_markers_and_elements():
    assert marker_color(otio.schema.MarkerColor.RED) == MARKER_COLORS["RED"]
    assert marker_color("nonsense") == marker_color(None) == DEFAULT_MARKER
    assert element_color("keyed") == ELEMENT_COLORS["keyed"]
    assert element_color(None) == element_color("unknown") == OTHER_CLIP
    assert len(set(MARKER_COLORS.values())) == len(MARKER_COLORS)


def test_model_timeline_is_compared_by_identity_and_revision_signals_edits(seq00):
    info, shots = seq00
    timeline = breakdown(info, shots)
    model = TimelineModel()
    seen = []
    model.events.timeline.connect(lambda value: seen.append("timeline"))
    model.events.revision.connect(lambda value: seen.append("revision"))
    model.timeline = timeline
    model.timeline = timeline  # the same object: nothing new to draw
    model.revision += 1
    assert seen == ["timeline", "revision"]
    assert model.shown_timeline() is timeline
    proposal = otio.schema.Timeline(name="Proposal")
    model.proposal = proposal  # a proposal on screen is what is drawn
    assert model.shown_timeline() is proposal


def test_the_model_and_its_content_helpers_import_no_qt():
    import subprocess
    import sys

    code = ("import sys, desktop.timeline, desktop.timeline.content, desktop.timeline.model; "
            "sys.exit(any(m.startswith(('PySide6', 'shiboken6')) for m in sys.modules))")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])
