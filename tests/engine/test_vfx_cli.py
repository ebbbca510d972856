"""`moviola-cli vfx ...` end to end on small clips."""
from __future__ import annotations

import json

import numpy as np

import engine.cli
from engine.media import FrameReader, probe
from engine.vfx.writers import ClipWriter


def test_element_prints_parameters_with_overrides(capsys):
    assert engine.cli.main(["vfx", "element", "heavy rain blowing left", "--json",
                            "--set", "opacity=0.3", "--seed", "9"]) == 0
    params = json.loads(capsys.readouterr().out)
    assert (params["kind"], params["density"], params["opacity"], params["seed"]) == ("rain", 0.85, 0.3, 9)


def test_element_rendered_for_a_shot(media, tmp_path, capsys):
    out = tmp_path / "dust.mov"
    clip = media / "sources" / "tears_of_steel_0500.mp4"
    assert engine.cli.main(["vfx", "element", "golden dust", "--plate", str(clip),
                            "--start", "100", "--end", "106", "--out", str(out)]) == 0
    info = probe(out).video
    assert (info.width, info.height, info.frame_count, info.profile) == (640, 360, 6, "4444")


def test_key_writes_keyed_clip_and_matte(tmp_path, capsys):
    source = tmp_path / "green.mp4"
    with ClipWriter(source, 160, 96, 25) as out:
        for k in range(4):
            img = np.zeros((96, 160, 3), np.uint8)
            img[:] = (40, 190, 60)
            img[30:70, 40 + 5 * k:90 + 5 * k] = (180, 120, 100)
            out.write(img)
    assert engine.cli.main(["vfx", "key", str(source), "--out", str(tmp_path / "keyed.mov"),
                            "--matte", str(tmp_path / "matte")]) == 0
    mattes = sorted((tmp_path / "matte").glob("*.png"))
    assert len(mattes) == 4 and probe(tmp_path / "keyed.mov").video.profile == "4444"
    with FrameReader(mattes[0], pix_fmt="gray") as r:
        matte = r.read(0).image
    assert matte[50, 60] > 240 and matte[10, 10] < 15


def test_bad_input_is_reported_not_raised(media, capsys):
    assert engine.cli.main(["vfx", "track", str(media / "bad" / "zero_bytes.mov"), "--json"]) == 1
    assert "zero_bytes.mov" in capsys.readouterr().err
    assert engine.cli.main(["vfx", "element", "something nice"]) == 2
