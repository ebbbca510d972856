"""Version-3 emotion features: the picture inside black bars, the busiest second of a long shot,
loudness against the file's own level; and the dev set's action, fights-over-walking order."""
from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

import engine.cli
from engine.affect import default_model
from engine.affect import sound as snd
from engine.affect.evaluate import load_devset, measure

from .test_affect_features import FPS, H, W, shot_list, texture, write_clip
from .test_affect_features import measure as measure_clip

DEVSET = Path(__file__).resolve().parents[1] / "data" / "emotion_devset" / "shots.csv"


def _pillarbox(frame: np.ndarray) -> np.ndarray:
    """A 4:3 picture centred in a 16:9 frame of the same height, black either side."""
    h = frame.shape[0]
    out = np.zeros((h, h * 16 // 9 // 2 * 2, 3), np.uint8)
    x = (out.shape[1] - frame.shape[1]) // 2
    out[:, x:x + frame.shape[1]] = frame
    return out


def test_black_bars_are_not_measured_as_picture(tmp_path, capsys):
    picture = [cv2.convertScaleAbs(texture(21)[:H, :240], alpha=1.2, beta=50)] * 24  # 4:3
    plain = write_clip(tmp_path / "4x3.mp4", picture)
    boxed = write_clip(tmp_path / "4x3 in 16x9.mp4", [_pillarbox(f) for f in picture])
    a = measure_clip(plain, shot_list(24, (0, 23))).shots[0].values
    b = measure_clip(boxed, shot_list(24, (0, 23))).shots[0].values
    for name in ("brightness", "saturation", "colourfulness", "warmth", "contrast"):
        assert b[name] == pytest.approx(a[name], abs=0.02), name
    assert default_model.score(b).valence == pytest.approx(default_model.score(a).valence, abs=0.03)
    # what the editor sees: the CLI's scores of the boxed clip are those of the picture
    assert engine.cli.main(["analyze", "--json", str(plain), str(boxed)]) == 0
    docs = json.loads(capsys.readouterr().out)
    (s1,), (s2,) = (d["shots"] for d in docs)
    assert s2["valence"] == pytest.approx(s1["valence"], abs=0.03)
    assert s2["features"]["brightness"] == pytest.approx(s1["features"]["brightness"], abs=0.02)


def test_a_second_of_action_counts_however_long_the_shot(tmp_path):
    """A block whips across a still frame for half a second of a six-second shot."""
    n = 6 * FPS
    still = texture(22)[:H, :W]
    frames = []
    for i in range(n):
        f = still.copy()
        if 2 * FPS <= i < 2 * FPS + FPS // 2:
            x = (i - 2 * FPS) * (W - 60) // (FPS // 2)
            f[50:130, x:x + 60] = (230, 40, 40)
        frames.append(f)
    clip = write_clip(tmp_path / "whoosh.mp4", frames + [still] * n)
    event, calm = (s.values for s in measure_clip(clip, shot_list(2 * n, (0, n - 1), (n, 2 * n - 1))).shots)
    assert event["motion_peak"] > 5 * max(calm["motion_peak"], 1e-3)
    # the per-shot 90th percentile misses half a second in six; the busiest second does not
    assert event["motion_peak"] > 2 * event["motion_burst"]
    # a still picture keeps both low; the half second still lifts the shot
    assert default_model.score(event).arousal > default_model.score(calm).arousal + 0.03


def test_loudness_is_read_against_the_files_own_level(tmp_path):
    """The same quiet-then-loud sound mastered 12 dB apart gives the same relative loudness."""
    rng = np.random.default_rng(5)
    n = 48
    noise = rng.standard_normal((2, int(n / FPS * snd.SAMPLE_RATE))).astype(np.float32)
    noise[:, : noise.shape[1] // 2] *= 0.02
    noise[:, noise.shape[1] // 2:] *= 0.2
    frames = [texture(23)[:H, :W]] * n
    hot = measure_clip(write_clip(tmp_path / "hot.mp4", frames, audio=noise), shot_list(n, (0, 23), (24, 47)))
    soft = measure_clip(write_clip(tmp_path / "soft.mp4", frames, audio=noise / 4), shot_list(n, (0, 23), (24, 47)))
    assert hot.shots[1].values["loudness"] > soft.shots[1].values["loudness"] + 10
    for h, s in zip(hot.shots, soft.shots):
        assert h.values["loudness_rel"] == pytest.approx(s.values["loudness_rel"], abs=1.0)
    assert hot.shots[1].values["loudness_rel"] > hot.shots[0].values["loudness_rel"] + 15
    # mastering level alone does not move arousal
    assert default_model.score(hot.shots[1].values).arousal == pytest.approx(
        default_model.score(soft.shots[1].values).arousal, abs=0.02)


@pytest.fixture(scope="module")
def llama_shots(media):
    wanted = ("seq05_29p97fps#15", "caminandes_llama_drama#00", "seq05_29p97fps#01", "seq05_29p97fps#09")
    shots = [s for s in load_devset(DEVSET) if s.id in wanted]
    return {s.id: v for s, v in zip(shots, measure(shots, media))}


def test_a_car_rushing_past_in_a_long_shot_outranks_walking_and_meadows(llama_shots):
    """Dev-set shots: the six-second shot where a car passes (action, 2) ranks above the llama
    standing and the meadow (still, 0); the dark robot close-up (1) above the bright meadow."""
    score = {k: default_model.score(v) for k, v in llama_shots.items()}
    car, llama, meadow, robot = (score[k] for k in ("seq05_29p97fps#15", "caminandes_llama_drama#00",
                                                     "seq05_29p97fps#01", "seq05_29p97fps#09"))
    assert car.arousal > llama.arousal and car.arousal > meadow.arousal
    assert robot.arousal > meadow.arousal
    assert meadow.valence > robot.valence  # bright over dark
