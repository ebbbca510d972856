"""`moviola-cli propose` end to end on a real sequence (shots from its truth file)."""
from __future__ import annotations

import opentimelineio as otio
import pytest

import engine.cli
from engine.edit import from_shot_list, propose
from engine.edit.commands import _shots_for
from engine.timeline import model, rates
from engine.timeline.api import import_timeline


@pytest.fixture
def cli():
    return engine.cli.main


@pytest.fixture
def sequence(media):
    video = media / "sequences" / "seq00_24fps.mp4"
    if not video.is_file():
        pytest.skip("seq00 not in shared media")
    return video, video.with_suffix(".json")


def test_propose_writes_otio_and_alternatives(cli, sequence, tmp_path, capsys):
    video, truth = sequence
    out = tmp_path / "cut.otio"
    code = cli(["propose", str(video), "--shots", str(truth), "--duration", "12", "--arc", "trailer",
                "--asl", "1.5", "--exclude", "2", "--no-taste", "-o", str(out)])
    assert code == 0, capsys.readouterr().err
    printed = capsys.readouterr().out
    assert "Closest to the arc" in printed and "serves" in printed
    files = [out, tmp_path / "cut-2.otio", tmp_path / "cut-3.otio"]
    assert all(f.is_file() for f in files)
    shot_list, _ = _shots_for(str(video), str(truth))
    dissolves = [t for t in shot_list.transitions if t.type != "cut"]
    timeline = otio.adapters.read_from_file(str(out))
    v1 = timeline.tracks[0]
    assert abs(rates.frames(v1.duration(), 24) - 12 * 24) <= max(s.end_frame - s.start_frame + 1 for s in shot_list.shots)
    excluded = shot_list.shots[1]
    for clip in v1:
        first = rates.frames(clip.source_range.start_time, 24)
        last = first + rates.frames(clip.source_range.duration, 24) - 1
        assert clip.media_reference.target_url == video.resolve().as_uri()
        assert not (first <= excluded.end_frame and last >= excluded.start_frame)
        assert not any(first <= t.end_frame and last >= t.start_frame for t in dissolves)
        assert model.lookup(clip, "cut", "reason")


def test_propose_exports_premiere_xml(cli, sequence, tmp_path, capsys):
    video, truth = sequence
    out = tmp_path / "cut.xml"
    code = cli(["propose", str(video), "--shots", str(truth), "--duration", "10", "--arc", "rising",
                "--alternatives", "1", "--no-taste", "-o", str(out)])
    assert code == 0, capsys.readouterr().err
    assert not (tmp_path / "cut-2.xml").exists()
    back = import_timeline(out).timelines[0]
    clips = list(back.find_clips())
    assert clips and all(c.media_reference.target_url.endswith("seq00_24fps.mp4") for c in clips)


def test_propose_rejects_bad_input(cli, sequence, tmp_path, capsys):
    video, truth = sequence
    assert cli(["propose", str(video), "--duration", "10", "-o", str(tmp_path / "cut.mov")]) == 1
    assert "format" in capsys.readouterr().err
    assert cli(["propose", str(video), "--shots", str(truth), "--duration", "10", "--arc", "zigzag",
                "-o", str(tmp_path / "cut.otio")]) == 1
    assert "unknown arc" in capsys.readouterr().err


def test_library_call_on_real_shots(sequence):
    video, truth = sequence
    shot_list, has_audio = _shots_for(str(video), str(truth))
    shots = from_shot_list(video, shot_list, has_audio=has_audio, must_use=[5])
    for p in propose(shots, 15, "three-act"):
        assert any(c.shot.index == 5 for c in p.cuts)
