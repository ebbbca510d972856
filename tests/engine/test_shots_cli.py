"""`moviola-cli shots`: the documented JSON object, CSV rows, and clear errors."""
from __future__ import annotations

import json

import pytest

from engine.cli import main


def test_json_matches_the_truth_file_conventions(media, capsys):
    video = media / "sequences" / "seq03_24fps.mp4"
    truth = json.loads((media / "sequences" / "seq03_24fps.json").read_text())
    assert main(["shots", "--json", str(video)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) == {"file", "fps", "frame_count", "shots", "transitions"}
    assert doc["fps"] == "24" and doc["frame_count"] == truth["frame_count"]
    cuts = [t["start_frame"] for t in truth["transitions"] if t["type"] == "cut"]
    found = [t["start_frame"] for t in doc["transitions"] if t["type"] == "cut"]
    assert all(any(abs(c - f) <= 2 for f in found) for c in cuts)
    assert doc["shots"][0]["start_frame"] == 0
    assert doc["shots"][-1]["end_frame"] == truth["frame_count"] - 1


def test_csv_and_errors(media, capsys):
    files = [media / "sources" / "tears_of_steel_0500.mp4", media / "bad" / "zero_bytes.mov"]
    assert main(["shots", "--csv", *map(str, files)]) == 1
    captured = capsys.readouterr()
    rows = captured.out.strip().splitlines()
    assert rows[0].startswith("file,shot,start_frame")
    assert len(rows) >= 4
    assert "zero_bytes.mov: empty file" in captured.err and "Traceback" not in captured.err


def test_shots_on_a_machine_without_a_gpu_never_load_torch(media, tmp_path):
    # The detector runs on ONNX Runtime; torch cost 2-3 s of start-up only to say "no CUDA".
    import os
    import subprocess
    import sys

    from engine.settings import may_have_cuda

    if may_have_cuda():
        pytest.skip("this machine has an NVIDIA driver: torch must be asked whether CUDA works")
    video = media / "sequences" / "seq03_24fps.mp4"
    probe = ("import sys, runpy; sys.argv = ['moviola-cli', 'shots', '--json', sys.argv[1]]\n"
             "try:\n    runpy.run_module('engine.cli', run_name='__main__')\n"
             "except SystemExit as exc:\n    code = exc.code\n"
             "print('torch loaded' if 'torch' in sys.modules else 'no torch', code, file=sys.stderr)")
    env = dict(os.environ, MOVIOLA_CACHE_DIR=str(tmp_path), HF_HUB_OFFLINE="1")
    result = subprocess.run([sys.executable, "-c", probe, str(video)], capture_output=True, text=True, env=env,
                            timeout=300)
    assert result.stderr.strip().endswith("no torch 0"), result.stderr[-2000:]
    assert len(json.loads(result.stdout)["transitions"]) >= 5
