"""EDL exports: CHECKLIST.md §(c), items 21–23."""
from __future__ import annotations

import re
from fractions import Fraction

import opentimelineio as otio
import pytest

from engine.timeline import model, rates
from engine.timeline.edl import read_edl, write_edl
from engine.timeline.sample import sample_timeline

RATES = [(Fraction(24000, 1001), False), (24, False), (25, False), (Fraction(30000, 1001), True),
         (Fraction(30000, 1001), False), (30, False), (50, False), (Fraction(60000, 1001), False)]
IDS = ["23.976", "24", "25", "29.97DF", "29.97NDF", "30", "50", "59.94"]
TC = r"\d\d:\d\d:\d\d[:;]\d\d"
EVENT = re.compile(rf"^(\d{{3}})  (\S{{1,8}})\s+(V|A|A2|AA)\s+(C|D\s+\d{{3}})\s+({TC}) ({TC}) ({TC}) ({TC})$")


@pytest.fixture(params=RATES, ids=IDS)
def exported(request):
    rate, drop = request.param
    timeline = sample_timeline(rate, drop)
    text, skipped = write_edl(timeline)
    return timeline, text, skipped


def test_21_header_events_and_lines(exported):
    timeline, text, skipped = exported
    drop = model.drop_frame(timeline)
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    lines = text.split("\r\n")
    assert lines[0].startswith("TITLE: ")
    assert lines[1] == ("FCM: DROP FRAME" if drop else "FCM: NON-DROP FRAME")
    numbers = []
    for line in lines:
        assert len(line) <= 80 and line.isascii()
        match = EVENT.match(line)
        if line[:3].isdigit():
            assert match, line
            numbers.append(int(match[1]))
            assert match[2] == match[2].upper()
            for tc in match.groups()[4:]:
                assert (";" in tc) == drop
    assert numbers == sorted(numbers) and numbers
    assert any("V2" in s for s in skipped)  # the overlay track is named, not silently lost


def test_22_lengths_and_comments(exported):
    timeline, text, _ = exported
    rate, drop = model.timeline_rate(timeline), model.drop_frame(timeline)
    lines = text.split("\r\n")
    for i, line in enumerate(lines):
        match = EVENT.match(line)
        if not match:
            continue
        src_in, src_out, rec_in, rec_out = (rates.from_timecode(t, rate, drop) for t in match.groups()[4:])
        assert src_out - src_in == rec_out - rec_in
        if src_out > src_in:
            assert lines[i + 1].startswith("* FROM CLIP NAME: ")
    assert re.search(rf"^\* LOC: {TC} RED\s+Look: eyes\r$", text, re.M)


def test_22_resolve_marker_form():
    text, _ = write_edl(sample_timeline(25), marker_style="resolve")
    marks = re.findall(r"^(.*) \|C:ResolveColor(\w+) \|M:(.*) \|D:(\d+)\r$", text, re.M)
    assert ("hold longer", "Blue", "Ranged note", "25") in marks
    assert len(marks) == 3
    timeline, _ = read_edl(text, 25)
    assert sorted(m.name for m in timeline[0].tracks.markers) == ["Look: eyes", "Ranged note", "Reel break"]


@pytest.mark.parametrize(("rate", "drop"), RATES, ids=IDS)
def test_23_otio_adapter_reads_it(rate, drop):
    timeline = sample_timeline(rate, drop)
    single = otio.schema.Timeline(name=timeline.name, global_start_time=timeline.global_start_time)
    single.metadata["moviola"] = dict(timeline.metadata["moviola"])
    single.tracks.append(timeline.video_tracks()[0].clone())
    text, _ = write_edl(single)
    theirs = otio.adapters.read_from_string(text, "cmx_3600", rate=float(rates.exact_rate(rate)))
    ours = single.video_tracks()[0]
    assert len(theirs.video_tracks()) == 1
    their_clips = list(theirs.video_tracks()[0].find_clips())
    assert [c.name for c in their_clips] == [c.name for c in ours.find_clips()]
    assert len(list(theirs.find_children(descended_from_type=otio.schema.Transition))) == 1
    exact = rates.exact_rate(rate)
    for theirs_clip in their_clips:
        start = rates.frames(theirs_clip.range_in_parent().start_time, exact)
        assert start >= 0
    # Record ends line up exactly: the adapter and we agree on where every cut is.
    assert rates.frames(theirs.duration(), exact) == rates.frames(ours.duration(), exact)


def test_real_multitrack_audio_edl_is_written_beyond_the_adapter(shared):
    timeline, unsupported = read_edl((shared / "nle" / "otio-cmx3600-adapter__multi_audio.edl").read_text(), 24)
    text, skipped = write_edl(timeline[0])
    assert " A     C" in text and " A2    C" in text and skipped == []
