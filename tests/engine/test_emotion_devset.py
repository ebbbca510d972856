"""The labelled emotion dev set: it loads, covers every source film and sequence, and its ranges exist."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.affect.evaluate import load_devset
from engine.affect.labels import LABELS

DEVSET = Path(__file__).resolve().parents[1] / "data" / "emotion_devset"


def test_devset_loads_and_covers_every_source(media):
    shots = load_devset(DEVSET / "shots.csv")
    assert len(shots) >= 150
    clips = json.loads((media / "sources.json").read_text())["clips"]
    videos = {c["file"] for c in clips if c["ranges"]}  # the lecture is sound only
    assert {s.source for s in shots} == videos
    sequences = {f"sequences/{p.name}" for p in (media / "sequences").glob("*.mp4")}
    files = {s.file for s in shots}
    assert sequences <= files and {f"sources/{v}" for v in videos} <= files
    # every shot lies inside its file, and sequence shots inside one truth segment
    for name in sequences:
        truth = json.loads((media / name).with_suffix(".json").read_text())
        segments = [(g["pure_start_frame"], g["pure_end_frame"], g["source"]) for g in truth["segments"]]
        for s in (s for s in shots if s.file == name):
            assert (s.start_frame, s.end_frame, s.source) in segments
    # people's labels use the whole scale, neutral included
    assert {s.arousal for s in shots} == {0, 1, 2}
    assert min(s.valence for s in shots) < -0.2 < 0.2 < max(s.valence for s in shots)
    assert {"neutral", "calm", "action", "tense"} <= {s.label for s in shots} <= set(LABELS)
    assert sum(s.label == "neutral" for s in shots) >= 20
    protocol = (DEVSET / "README.md").read_text()
    assert "**0, still**" in protocol and "**2, intense**" in protocol and "unsure" in protocol


@pytest.mark.parametrize("row, problem", [
    ("a,f.mp4,0,10,src,3,0.0,calm,,,", "arousal must be 0, 1 or 2"),
    ("a,f.mp4,0,10,src,1,0.0,happyish,,,", "unknown label 'happyish'"),
    ("a,f.mp4,10,0,src,1,0.0,calm,,,", "end_frame before start_frame"),
    ("a,f.mp4,x,10,src,1,0.0,calm,,,", "must be integers"),
])
def test_bad_rows_name_the_file_and_line(tmp_path, row, problem):
    path = tmp_path / "shots.csv"
    path.write_text("id,file,start_frame,end_frame,source,arousal,valence,label,sound,description,unsure\n"
                    + row + "\n")
    with pytest.raises(ValueError) as err:
        load_devset(path)
    assert str(err.value).startswith(f"{path}:2: ") and problem in str(err.value)


def test_missing_file_and_columns(tmp_path):
    with pytest.raises(ValueError, match="cannot read the dev set"):
        load_devset(tmp_path / "nowhere.csv")
    (tmp_path / "bad.csv").write_text("id,file\n")
    with pytest.raises(ValueError, match="missing column"):
        load_devset(tmp_path / "bad.csv")
