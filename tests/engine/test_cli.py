"""`moviola-cli`: probe output for people and machines, and the headless pipeline."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import opentimelineio as otio

from engine.cli import main
from engine.project import Project

REPO = Path(__file__).resolve().parents[2]


def test_probe_prints_a_readable_summary(media, capsys):
    assert main(["probe", str(media / "formats" / "h264_29.97fps_timecode_df.mov")]) == 0
    out = capsys.readouterr().out
    assert "30000/1001 fps (29.970) CFR" in out
    assert "timecode   01:00:00;00" in out


def test_probe_json_keeps_going_past_bad_files(media, capsys):
    files = [media / "bad" / "zero_bytes.mov", media / "bad" / "clip ünïcødé 映画.mp4"]
    assert main(["probe", "--json", *map(str, files)]) == 1
    captured = capsys.readouterr()
    results = json.loads(captured.out)
    assert results[0] == {"file": str(files[0]), "error": "empty file"}
    assert Path(results[1]["path"]).name == "clip ünïcødé 映画.mp4"
    assert captured.err.strip() == "moviola-cli: zero_bytes.mov: empty file"
    assert "Traceback" not in captured.err


def test_analyse_writes_a_project_that_reopens(media, tmp_path, capsys):
    files = [media / "sources" / "asl_yes.mkv", media / "sources" / "tears_of_steel_0500.mp4",
             media / "bad" / "random_bytes.mp4"]
    assert main(["pipeline", "--out", str(tmp_path), *map(str, files)]) == 1  # one bad input
    summary = capsys.readouterr().out
    assert f"results in {tmp_path}" in summary and "random_bytes.mp4" in summary
    project = Project.load(tmp_path / "demo.moviola")
    assert [ref.path.name for ref in project.media] == ["asl_yes.mkv", "tears_of_steel_0500.mp4"]
    video = project.timelines[0].video_tracks()[0]
    assert [c.source_range.duration.value for c in video] == [65, 240]
    stringout = otio.adapters.read_from_file(str(tmp_path / "stringout.otio"))
    assert stringout.duration().to_seconds() == (65 / 30 + 240 / 24)
    assert (tmp_path / "posters" / "asl_yes.png").stat().st_size > 1000


def test_app_without_display_runs_the_headless_pipeline(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run([sys.executable, "-m", "desktop.app", "--demo", "--out", str(tmp_path)],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "No display found" in result.stderr
    assert f"results in {tmp_path}" in result.stdout
    assert (tmp_path / "demo.moviola").is_file() and (tmp_path / "stringout.otio").is_file()


def test_pipeline_keeps_two_cards_same_named_clips_apart(media, tmp_path, capsys):
    # Camera cards repeat C0001.MP4: each clip's results used to overwrite the other's.
    import shutil

    clips = []
    for card, source in (("A001", "asl_book.mkv"), ("A002", "asl_help.mkv")):
        (tmp_path / card).mkdir()
        clips.append(tmp_path / card / "C0001.mkv")
        shutil.copy(media / "sources" / source, clips[-1])
        (tmp_path / card / "C0002.mp4").write_bytes(b"not a video")  # unreadable on both cards
    out = tmp_path / "out"
    bad = [tmp_path / "A001" / "C0002.mp4", tmp_path / "A002" / "C0002.mp4"]
    assert main(["pipeline", "--out", str(out), *map(str, clips + bad)]) == 1
    summary = capsys.readouterr().out
    assert "skipped C0002.mp4 — A001/:" in summary and "skipped C0002.mp4 — A002/:" in summary

    for card, other in (("A001", "A002"), ("A002", "A001")):
        premiere = (out / "exports" / f"C0001 — {card}.premiere.xml").read_text(encoding="utf-8")
        assert f"{card}/C0001.mkv" in premiere and f"{other}/C0001.mkv" not in premiere
        assert (out / "exports" / f"C0001 — {card}.shots.json").is_file()
        assert (out / "posters" / f"C0001 — {card}.png").is_file()
    project = Project.load(out / "demo.moviola")
    breakdowns = {t.name: t for t in project.timelines[1:]}
    assert set(breakdowns) == {"C0001 — A001/ — shots", "C0001 — A002/ — shots"}
    for card in ("A001", "A002"):
        clip = breakdowns[f"C0001 — {card}/ — shots"].video_tracks()[0][0]
        assert clip.media_reference.target_url.endswith(f"{card}/C0001.mkv")
