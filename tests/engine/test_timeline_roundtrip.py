"""Export → import gives the same edit, frame for frame, at every rate editors use."""
from __future__ import annotations

from fractions import Fraction

import pytest

from engine.timeline import compare
from engine.timeline.export import export_timeline
from engine.timeline.importers import import_timeline
from engine.timeline.sample import sample_timeline

RATES = [
    pytest.param(Fraction(24000, 1001), False, id="23.976"),
    pytest.param(24, False, id="24"),
    pytest.param(25, False, id="25"),
    pytest.param(Fraction(30000, 1001), True, id="29.97DF"),
    pytest.param(Fraction(30000, 1001), False, id="29.97NDF"),
    pytest.param(30, False, id="30"),
    pytest.param(50, False, id="50"),
    pytest.param(Fraction(60000, 1001), False, id="59.94"),
    pytest.param(Fraction(60000, 1001), True, id="59.94DF"),
]


def _roundtrip(tmp_path, timeline, fmt, suffix, **options):
    path = tmp_path / f"out{suffix}"
    export_timeline(timeline, path, fmt, probe_media=False, **options)
    result = import_timeline(path, rate=timeline.metadata["moviola"]["rate"])
    assert len(result.timelines) == 1
    return result.timelines[0], result


@pytest.mark.parametrize(("rate", "drop"), RATES)
def test_premiere_roundtrip_is_frame_exact(tmp_path, rate, drop):
    timeline = sample_timeline(rate, drop)
    back, result = _roundtrip(tmp_path, timeline, "premiere", ".xml")
    assert compare.digest(back) == compare.digest(timeline)
    assert back.metadata["moviola"]["drop_frame"] == drop
    assert back.global_start_time.to_frames() == timeline.global_start_time.to_frames()
    assert result.unsupported == []


@pytest.mark.parametrize(("rate", "drop"), RATES)
@pytest.mark.parametrize("version", ["1.9", "1.10", "1.11"])
def test_resolve_roundtrip_is_frame_exact(tmp_path, rate, drop, version):
    timeline = sample_timeline(rate, drop)
    back, result = _roundtrip(tmp_path, timeline, "resolve", ".fcpxml", fcpxml_version=version)
    assert compare.digest(back) == compare.digest(timeline)
    assert back.metadata["moviola"]["drop_frame"] == drop
    assert result.unsupported == []


@pytest.mark.parametrize(("rate", "drop"), RATES)
def test_edl_roundtrip_is_frame_exact_for_what_cmx_holds(tmp_path, rate, drop):
    timeline = sample_timeline(rate, drop)
    back, _ = _roundtrip(tmp_path, timeline, "edl", ".edl")
    ours, theirs = compare.digest(timeline), compare.digest(back)
    # CMX3600: one picture track; marker comments do not fit in * LOC: lines.
    assert theirs["video"] == ours["video"][:1]
    assert theirs["audio"] == ours["audio"]
    assert theirs["emotions"] == ours["emotions"]
    assert {(n, at) for n, at, _ in theirs["markers"]} == {(n, at) for n, at, _ in ours["markers"]}


@pytest.mark.parametrize(("rate", "drop"), RATES)
def test_otio_roundtrip_is_lossless(tmp_path, rate, drop):
    timeline = sample_timeline(rate, drop)
    back, _ = _roundtrip(tmp_path, timeline, "otio", ".otio")
    assert back.is_equivalent_to(timeline)
    assert compare.digest(back) == compare.digest(timeline)
