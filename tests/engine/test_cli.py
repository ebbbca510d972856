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
