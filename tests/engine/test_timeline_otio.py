"""OTIO export (CHECKLIST.md §(d), item 24), marker CSV, rates, timecode, the export API."""
from __future__ import annotations

import csv
import io
from fractions import Fraction

import opentimelineio as otio
import pytest

from engine.timeline import model, rates
from engine.timeline.errors import InterchangeError
from engine.timeline.export import FORMATS, export_timeline
from engine.timeline.markers_csv import write_markers_csv
from engine.timeline.sample import sample_timeline


@pytest.mark.parametrize("rate", [Fraction(24000, 1001), 25, Fraction(30000, 1001), Fraction(60000, 1001)])
def test_24_otio_round_trip_keeps_markers_and_rates(tmp_path, rate):
    timeline = sample_timeline(rate)
    path = tmp_path / "t.otio"
    export_timeline(timeline, path, "otio", probe_media=False)
    back = otio.adapters.read_from_string(path.read_text(), "otio_json")
    assert back.is_equivalent_to(timeline)
    marker = back.video_tracks()[0][0].markers[0]
    assert (marker.name, marker.comment, marker.color) == ("Look: eyes", "the turn — «regard» 目", "RED")
    assert marker.metadata["moviola"]["emotion"]["label"] == "surprise"
    clip = back.video_tracks()[0][0]
    assert abs(clip.source_range.start_time.rate - float(rates.exact_rate(rate))) < 1e-6
    assert clip.metadata["moviola"]["emotion"]["label"] == "joy"


@pytest.mark.parametrize(("text", "exact"), [
    (23.976023976023978, Fraction(24000, 1001)), (23.976, Fraction(24000, 1001)), (23.98, Fraction(24000, 1001)),
    (29.97, Fraction(30000, 1001)), (59.94, Fraction(60000, 1001)), (24.0, Fraction(24)), (25, Fraction(25)),
    (50, Fraction(50)), ("30000/1001", Fraction(30000, 1001)), (12.5, Fraction(25, 2))])
def test_exact_rates(text, exact):
    assert rates.exact_rate(text) == exact


@pytest.mark.parametrize("rate", [Fraction(30000, 1001), Fraction(60000, 1001)])
def test_drop_frame_timecode_matches_otio_and_round_trips(rate):
    for frame in range(0, 2_500_000, 9973):  # under 24 h, where timecode wraps
        tc = rates.to_timecode(frame, rate, True)
        assert rates.from_timecode(tc, rate) == frame
        assert tc == otio.opentime.to_timecode(otio.opentime.RationalTime(frame, float(rate)), float(rate), True)
    assert rates.to_timecode(1800, rate, True).endswith(":01:00;02" if rate == Fraction(30000, 1001) else ":00:30;00")
    with pytest.raises(ValueError):
        rates.to_timecode(0, 25, True)


def test_marker_csv():
    timeline = sample_timeline(25)
    text = write_markers_csv(timeline)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    names = [r["Name"] for r in rows]
    assert {"Look: eyes", "Ranged note", "Reel break", "joy", "fear"} <= set(names)
    look = next(r for r in rows if r["Name"] == "Look: eyes")
    assert look["Comment"] == "the turn — «regard» 目" and look["Colour"] == "Red" and look["Emotion"] == "surprise"
    assert look["Record In"] == "01:00:01:00"
    record = [r["Record In"] for r in rows]
    assert record == sorted(record)


def test_export_api_errors(tmp_path):
    timeline = sample_timeline(24)
    with pytest.raises(InterchangeError, match="unknown export format"):
        export_timeline(timeline, tmp_path / "x", "avid")
    with pytest.raises(InterchangeError, match="unknown option"):
        export_timeline(timeline, tmp_path / "x.xml", "premiere", colour="blue")
    with pytest.raises(InterchangeError, match="1.8"):
        export_timeline(timeline, tmp_path / "x.fcpxml", "resolve", fcpxml_version="1.8")
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(InterchangeError, match="cannot write"):
        export_timeline(timeline, blocker / "x.xml", "premiere")
    assert set(FORMATS) == {"premiere", "resolve", "otio", "edl", "markers"}


def test_export_probes_media_that_lacks_facts(tmp_path, media):
    """A reference with no metadata gets rate, size and sound from engine.media.probe."""
    clip_file = next(p for p in sorted(media.rglob("*")) if p.suffix.lower() in (".mp4", ".mov", ".mkv"))
    ref = otio.schema.ExternalReference(target_url=clip_file.resolve().as_uri())
    timeline = otio.schema.Timeline(name="probe")
    track = otio.schema.Track(name="V1")
    track.append(otio.schema.Clip(name="c", media_reference=ref, source_range=rates.time_range(0, 10, 25)))
    timeline.tracks.append(track)
    result = export_timeline(timeline, tmp_path / "p.xml", "premiere")
    text = result.path.read_text()
    from engine.media import probe
    info = probe(clip_file)
    assert f"<width>{info.video.width}</width>" in text
    assert "metadata" not in ref.metadata.get("moviola", {})  # the caller's timeline is untouched
    assert model.timeline_rate(timeline) == 25
