"""``moviola-cli analyze``, ``plot`` and ``label`` end to end on a small clip."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import engine.cli
from engine.affect import sound as snd
from engine.affect.features import FEATURE_NAMES

from .test_affect_features import FPS, H, W, pan, texture, write_clip


@pytest.fixture
def cli():
    return engine.cli.main


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """Two very different shots joined by a cut at frame 24, with sound (quiet, then loud)."""
    rng = np.random.default_rng(11)
    calm = [texture(8)[:H, :W]] * 24
    busy = pan(texture(9) // 3, 24, 6)
    noise = rng.standard_normal((2, int(48 / FPS * snd.SAMPLE_RATE))).astype(np.float32)
    noise[:, : noise.shape[1] // 2] *= 0.003
    noise[:, noise.shape[1] // 2:] *= 0.2
    return write_clip(tmp_path_factory.mktemp("cli") / "two shots.mp4", calm + busy, audio=noise)


def test_analyze_json(cli, clip, capsys):
    assert cli(["analyze", "--json", str(clip)]) == 0
    (doc,) = json.loads(capsys.readouterr().out)
    assert doc["file"] == str(clip)
    shots = doc["shots"]
    assert [s["start_frame"] for s in shots][0] == 0 and shots[-1]["end_frame"] == 47
    assert any(s["start_frame"] == 24 for s in shots)  # the cut was found
    for s in shots:
        assert {"start_frame", "end_frame", "valence", "arousal", "label", "confidence",
                "explanation", "features"} <= set(s)
        assert -1 <= s["valence"] <= 1 and 0 <= s["arousal"] <= 1
        assert set(s["features"]) == set(FEATURE_NAMES)
        assert s["explanation"] and all(e["feature"] in FEATURE_NAMES and isinstance(e["contribution"], float)
                                        for e in s["explanation"])
    first, last = shots[0], shots[-1]
    assert last["features"]["loudness"] > first["features"]["loudness"] + 20
    assert last["arousal"] > first["arousal"]


def test_analyze_table_and_missing_file(cli, clip, tmp_path, capsys):
    assert cli(["analyze", str(clip), str(tmp_path / "nowhere.mp4")]) == 1
    captured = capsys.readouterr()
    assert "valence" in captured.out and "two shots.mp4" in captured.out
    assert "nowhere.mp4" in captured.err


def test_plot_writes_a_png(cli, clip, tmp_path, capsys):
    out = tmp_path / "arc.png"
    assert cli(["plot", str(clip), "-o", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_label_stores_the_editors_label(cli, clip, capsys, monkeypatch, tmp_path):
    # labels live in the user's config folder: give this test one of its own
    monkeypatch.setenv("MOVIOLA_CONFIG_DIR", str(tmp_path / "config"))
    assert cli(["label", str(clip), "--frame", "30", "--as", "Tense"]) == 0
    out = capsys.readouterr().out
    assert "labelled 'Tense'" in out and "1 labels (tense 1)" in out
    assert cli(["label", "--status"]) == 0
    assert "learned model: none yet" in capsys.readouterr().out


def test_registering_the_commands_loads_no_heavy_module():
    code = ("import sys, engine.affect.commands; "
            "print(sorted(m for m in ('torch', 'cv2', 'lightgbm', 'matplotlib', 'av') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_analyze_ranks_people_s_arousal_by_picture_change(cli, media, capsys):
    # seq03 of the dev sequences, as `analyze` measures it: each dev-set shot read from the
    # analysed shot holding its middle frame. People's arousal (0-2) from the labelled set.
    import csv
    from pathlib import Path

    from engine.affect.evaluate import spearman

    video = media / "sequences" / "seq03_24fps.mp4"
    assert cli(["analyze", "--json", str(video)]) == 0
    (doc,) = json.loads(capsys.readouterr().out)
    labelled = Path(__file__).parents[1] / "data" / "emotion_devset" / "shots.csv"
    rows = [r for r in csv.DictReader(labelled.open()) if r["file"] == "sequences/seq03_24fps.mp4"]

    def analysed(row):
        middle = (int(row["start_frame"]) + int(row["end_frame"])) // 2
        return next(s for s in doc["shots"] if s["start_frame"] <= middle <= s["end_frame"])

    people = [int(r["arousal"]) for r in rows]
    change = [analysed(r)["features"]["picture_change"] for r in rows]
    arousal = [analysed(r)["arousal"] for r in rows]
    assert spearman(change, people) > 0.5, (change, people)  # 0.61 measured
    # The arousal the editor sees ranks them too (0.47 measured: one still shot of six scores
    # above the intense one, which held-out rho 0.74 on the whole dev set allows for).
    assert spearman(arousal, people) > 0.3, (arousal, people)
    assert any(e["feature"] == "picture_change" for s in doc["shots"] for e in s["explanation"])
