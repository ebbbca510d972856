"""Premiere XML (xmeml) exports: CHECKLIST.md §(a), items 1–12."""
from __future__ import annotations

import re
import unicodedata
from fractions import Fraction

import opentimelineio as otio
import pytest
from lxml import etree

from engine.timeline import model, rates
from engine.timeline.importers import import_timeline
from engine.timeline.sample import sample_timeline
from engine.timeline.urls import path_to_url, url_to_path
from engine.timeline.xmeml_reader import read_xmeml
from engine.timeline.xmeml_writer import write_xmeml

RATES = [(Fraction(24000, 1001), False), (24, False), (25, False), (Fraction(30000, 1001), True),
         (Fraction(30000, 1001), False), (30, False), (50, False), (Fraction(60000, 1001), False)]
IDS = ["23.976", "24", "25", "29.97DF", "29.97NDF", "30", "50", "59.94"]


@pytest.fixture(params=RATES, ids=IDS)
def exported(request):
    rate, drop = request.param
    timeline = sample_timeline(rate, drop)
    data = write_xmeml(timeline)
    return timeline, data, etree.fromstring(data)


def _items(track):
    return [e for e in track if e.tag in ("clipitem", "transitionitem")]


def _resolved(track):
    """(clipitem, start, end) with -1 resolved at the neighbouring transition's cut."""
    items = _items(track)
    out = []
    for i, item in enumerate(items):
        if item.tag != "clipitem":
            continue
        start, end = int(item.findtext("start")), int(item.findtext("end"))
        if start == -1:
            t = items[i - 1]
            start = (int(t.findtext("start")) + int(t.findtext("end"))) // 2
        if end == -1:
            t = items[i + 1]
            end = (int(t.findtext("start")) + int(t.findtext("end"))) // 2
        out.append((item, start, end))
    return out


def test_1_document_and_root(exported):
    _, data, root = exported
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE xmeml>')
    data.decode("utf-8")
    assert root.tag == "xmeml" and root.get("version") in ("4", "5")
    sequences = root.findall("sequence") + root.findall("project/children/sequence")
    assert len(sequences) == 1 and sequences[0].get("id")


def test_2_every_rate_has_timebase_and_ntsc(exported):
    timeline, _, root = exported
    for rate in root.iter("rate"):
        assert int(rate.findtext("timebase")) in (24, 25, 30, 50, 60)
        assert rate.findtext("ntsc") in ("TRUE", "FALSE")
    seq_rate = root.find("sequence/rate")
    exact = model.timeline_rate(timeline)
    if exact.denominator == 1001:
        assert seq_rate.findtext("ntsc") == "TRUE" and int(seq_rate.findtext("timebase")) == round(exact)
    else:
        assert seq_rate.findtext("ntsc") == "FALSE"


def test_3_sequence_header(exported):
    timeline, _, root = exported
    seq = root.find("sequence")
    assert int(seq.findtext("duration")) > 0
    chars = seq.find("media/video/format/samplecharacteristics")
    assert chars.find("width") is not None and chars.find("height") is not None and chars.find("rate") is not None
    tc = seq.find("timecode")
    for tag in ("rate", "string", "frame", "displayformat"):
        assert tc.find(tag) is not None
    drop = tc.findtext("displayformat") == "DF"
    assert drop == model.drop_frame(timeline)
    if drop:
        assert rates.supports_drop_frame(model.timeline_rate(timeline)) and ";" in tc.findtext("string")
    assert rates.from_timecode(tc.findtext("string"), model.timeline_rate(timeline), drop) == int(tc.findtext("frame"))


def test_4_clipitems_sorted_and_not_overlapping(exported):
    _, _, root = exported
    for track in root.iter("track"):
        spans = [(s, e) for _, s, e in _resolved(track)]
        assert spans == sorted(spans)
        for (_, end), (start, _) in zip(spans, spans[1:]):
            assert start >= end


def test_5_clip_lengths_agree(exported):
    _, _, root = exported
    for track in root.iter("track"):
        items = _items(track)
        for item, start, end in _resolved(track):
            i = items.index(item)
            head = tail = 0
            if item.findtext("start") == "-1":
                t = items[i - 1]
                head = start - int(t.findtext("start"))
            if item.findtext("end") == "-1":
                t = items[i + 1]
                tail = int(t.findtext("end")) - end
            in_, out = int(item.findtext("in")), int(item.findtext("out"))
            assert end - start == (out - tail) - (in_ + head)
            assert 0 <= in_ < out <= int(item.findtext("duration"))
            assert int(item.findtext("duration")) > 0


def test_6_ids_unique_and_files_defined_once_before_use(exported):
    _, _, root = exported
    ids = [c.get("id") for c in root.iter("clipitem")]
    assert len(ids) == len(set(ids))
    defined = set()
    for f in root.iter("file"):
        if len(f):
            assert f.get("id") not in defined
            defined.add(f.get("id"))
        else:
            assert f.get("id") in defined


def test_7_pathurls(exported):
    timeline, _, root = exported
    originals = {url_to_path(c.media_reference.target_url) for c in timeline.find_clips()}
    seen = set()
    for url in root.iter("pathurl"):
        text = url.text
        assert text.startswith("file://localhost/")
        assert not re.search(r"[ #\\]", text)
        assert not re.search(r"%(?![0-9A-Fa-f]{2})", text)
        seen.add(url_to_path(text))
    assert seen == originals


@pytest.mark.parametrize("path", [
    "/Volumes/Media/my clip.mov", "/media/#1 take.mov", "/media/100% é.mov", "/media/日本語/clip.mov",
    "/media/🎬 emoji.mov", unicodedata.normalize("NFD", "/media/Kråkeklubben é.mov"), "C:\\Media\\x y.mov",
])
def test_7_pathurl_round_trips_awkward_paths(path):
    url = path_to_url(path)
    assert url.startswith("file://localhost/")
    assert not re.search(r"[ #\\]", url) and not re.search(r"%(?![0-9A-Fa-f]{2})", url)
    back = url_to_path(url)
    assert back == path.replace("\\", "/")
    assert unicodedata.is_normalized("NFD", back) == unicodedata.is_normalized("NFD", path)


def test_8_links_resolve_and_agree(exported):
    _, _, root = exported
    items = {c.get("id"): c for c in root.iter("clipitem")}
    for item in items.values():
        links = item.findall("link")
        refs = {link.findtext("linkclipref") for link in links}
        for ref in refs:
            assert ref in items
            assert {link.findtext("linkclipref") for link in items[ref].findall("link")} == refs
    for track in root.findall("sequence/media/audio/track"):
        for item in track.findall("clipitem"):
            assert item.find("sourcetrack/trackindex") is not None


def test_9_markers(exported):
    timeline, _, root = exported
    for marker in root.iter("marker"):
        for tag in ("name", "comment", "in", "out"):
            assert marker.find(tag) is not None
        assert marker.getparent().tag in ("sequence", "clipitem")
    names = {m.findtext("name"): m for m in root.iter("marker")}
    assert names["Look: eyes"].findtext("comment") == "the turn — «regard» 目 [emotion: surprise]"
    assert names["Look: eyes"].findtext("out") == "-1"
    assert names["Reel break"].getparent().tag == "sequence"
    assert names["joy"].findtext("comment").startswith("emotion: joy;")
    # Exactly once each (no duplication), and read back with comments intact.
    assert len(root.findall("sequence/marker")) == 1
    back = read_xmeml(root)[0][0]
    ours = [m for c in timeline.find_clips() for m in c.markers]
    theirs = [m for c in back.find_clips() for m in c.markers]
    assert sorted((m.name, m.comment, m.color) for m in theirs) == sorted((m.name, m.comment, m.color) for m in ours)


def test_10_overlay_track(exported):
    _, _, root = exported
    tracks = root.findall("sequence/media/video/track")
    assert len(tracks) == 2
    overlay = tracks[1].find("clipitem")
    assert overlay.findtext("compositemode") == "screen"


def test_11_otio_adapter_reads_it_back(exported):
    timeline, data, _ = exported
    rate = model.timeline_rate(timeline)
    theirs = otio.adapters.read_from_string(data.decode("utf-8"), "fcp_xml")
    assert len(theirs.video_tracks()) == len(timeline.video_tracks())
    assert len(theirs.audio_tracks()) == len(timeline.audio_tracks())
    assert len(list(theirs.find_clips())) == len(list(timeline.find_clips()))
    for ours_track, their_track in zip(timeline.tracks, theirs.tracks):
        ours = [(c.name, rates.frames(c.source_range.start_time, rate), rates.frames(c.duration(), rate),
                 rates.frames(c.range_in_parent().start_time, rate)) for c in ours_track.find_clips()]
        got = [(c.name, rates.frames(c.source_range.start_time, rate), rates.frames(c.duration(), rate),
                rates.frames(c.range_in_parent().start_time, rate)) for c in their_track.find_clips()]
        assert got == ours
        assert len(list(their_track.find_children(descended_from_type=otio.schema.Transition))) == \
            len(list(ours_track.find_children(descended_from_type=otio.schema.Transition)))
    assert [(m.name, rates.frames(m.marked_range.start_time, rate)) for m in theirs.tracks.markers] == \
        [(m.name, rates.frames(m.marked_range.start_time, rate)) for m in timeline.tracks.markers]
    # Clip markers: the adapter counts them from the media's first frame (ignoring the file
    # timecode, a gap of its own), so compare offsets within the clip.
    for ours, got in zip(timeline.find_clips(), theirs.find_clips()):
        emotion = 1 if model.clip_emotion(ours) and ours.parent().kind == "Video" else 0
        assert len(got.markers) == len(ours.markers) + emotion


def test_12_real_premiere_samples_read(shared):
    for path in sorted((shared / "nle").glob("*.xml")):
        result = import_timeline(path)
        assert result.format == "xmeml"
        assert result.timelines, path.name


def test_clip_marker_origin_is_media_start():
    """xmeml clip markers count from the media's first frame, not from its timecode."""
    timeline = sample_timeline(25)
    root = etree.fromstring(write_xmeml(timeline))
    marker = next(m for m in root.iter("marker") if m.findtext("name") == "Look: eyes")
    clip = marker.getparent()
    assert int(marker.findtext("in")) == int(clip.findtext("in")) + 25
