"""Shot detection on the shared sequences and on doctored frames (flashes, short shots)."""
from __future__ import annotations

import json
import random
import threading

import numpy as np
import pytest

from engine.jobs import Cancelled, drive
from engine.media import FrameReader
from engine.shots import ShotList, Transition, detect_in_frames, detect_shots, shots_job
from engine.shots import detector as detector_module
from engine.shots.network import INPUT_SIZE


def _frames(path, start=0, end=None) -> np.ndarray:
    with FrameReader(path, size=INPUT_SIZE) as reader:
        return np.stack([f.image for f in reader.frames(start, end)])


@pytest.fixture(scope="module")
def bottles(media) -> np.ndarray:
    """A single static shot: bottles on a table."""
    return _frames(media / "sources" / "intel_bottle_detection.mp4", 0, 150)


@pytest.fixture(scope="module")
def whoosh(media) -> np.ndarray:
    """A single shot with fast motion: cars sweep through the frame (not cuts)."""
    return _frames(media / "sources" / "caminandes_llama_drama.mp4", 80, 230)


@pytest.mark.parametrize("name", ["seq03_24fps", "seq07_25fps"])
def test_every_cut_found_within_two_frames(media, name):
    path = media / "sequences" / f"{name}.mp4"
    truth = json.loads(path.with_suffix(".json").read_text())
    result = detect_shots(path, cache=None)
    assert result.frame_count == truth["frame_count"]
    found = [t.start_frame for t in result.transitions if t.type == "cut"]
    for t in truth["transitions"]:
        if t["type"] == "cut":
            assert min(abs(f - t["start_frame"]) for f in found) <= 2, t
    assert len(found) == sum(t["type"] == "cut" for t in truth["transitions"])
    # Every gradual transition is found with its type, its span overlapping the truth.
    for t in truth["transitions"]:
        if t["type"] != "cut":
            assert any(f.type == t["type"] and f.start_frame <= t["end_frame"] and t["start_frame"] <= f.end_frame
                       for f in result.transitions), t
    assert len(result.shots) == len(result.transitions) + 1
    assert result.single.shape == result.many.shape == (truth["frame_count"],)


@pytest.mark.parametrize("clip", ["bottles", "whoosh"])
def test_flashes_and_strobes_add_no_boundary(clip, request):
    frames = request.getfixturevalue(clip).copy()
    assert detect_in_frames([frames]).transitions == []  # the clip itself is one shot
    white = np.full_like(frames[0], 255)
    frames[30] = white                                                   # one-frame flash
    frames[60:62] = np.clip(frames[60:62].astype(int) * 3, 0, 255)       # two overexposed frames
    frames[75] = np.clip(frames[75].astype(int) + 120, 0, 255)          # camera flash, half strength
    frames[110:124:2] = white                                            # strobe
    assert detect_in_frames([frames]).transitions == []


def test_two_and_three_frame_shots_survive(bottles, media):
    other = _frames(media / "sources" / "asl_book.mkv", 0, 60)
    third = _frames(media / "sources" / "tears_of_steel_0500.mp4", 70, 130)
    frames = np.concatenate([bottles[:50], other[:3], third[:40], other[30:32], bottles[100:150]])
    cuts = [t.start_frame for t in detect_in_frames([frames]).transitions if t.type == "cut"]
    assert all(any(abs(c - n) <= 1 for c in cuts) for n in (50, 53, 93, 95)), cuts


class _CountingReader(FrameReader):
    opened = 0

    def __init__(self, *args, **kwargs):
        type(self).opened += 1
        super().__init__(*args, **kwargs)


def test_cache_returns_the_same_shots_without_decoding(media, tmp_path, monkeypatch):
    from engine.cache.store import AnalysisCache

    monkeypatch.setattr(detector_module, "FrameReader", _CountingReader)
    path = media / "sources" / "asl_help.mkv"
    with AnalysisCache(tmp_path / "analysis.sqlite") as cache:
        first = detect_shots(path, cache=cache)
        assert _CountingReader.opened == 1
        again = detect_shots(path, cache=cache)
    assert _CountingReader.opened == 1
    assert isinstance(again, ShotList)
    assert (again.shots, again.transitions, again.fps, again.frame_count) == \
        (first.shots, first.transitions, first.fps, first.frame_count)
    np.testing.assert_array_equal(again.single, first.single)


def test_cancel_stops_the_job_and_its_decode_thread(media):
    path = media / "sequences" / "seq05_29p97fps.mp4"
    job = shots_job(path, cache=None)
    next(job), next(job)  # model loaded, first batch scored
    job.close()
    assert not any(t.name == "shots-decode" and t.is_alive() for t in threading.enumerate())

    cancel = threading.Event()
    with pytest.raises(Cancelled):
        drive(shots_job(path, cache=None), lambda fraction, message: cancel.set(), cancel)


def test_decode_failing_midway_keeps_the_shots_found(media, monkeypatch):
    path = media / "sequences" / "seq03_24fps.mp4"
    truth = json.loads(path.with_suffix(".json").read_text())["transitions"]

    class Failing(FrameReader):
        def frames(self, start=0, end=None):
            for frame in super().frames(start, end):
                if frame.index == 300:
                    raise OSError("disk unplugged")
                yield frame

    monkeypatch.setattr(detector_module, "FrameReader", Failing)
    result = detect_shots(path, cache=None)
    assert result.frame_count == 300
    assert any("disk unplugged" in w for w in result.warnings)
    early = [t for t in truth if t["end_frame"] < 297]
    assert len(result.transitions) == len(early)
    for found, true in zip(result.transitions, early):
        assert found.type == true["type"] and abs(found.start_frame - true["start_frame"]) <= 2


def test_building_the_model_leaves_global_state_alone():
    import torch

    from engine.shots.network import _build_model

    torch.use_deterministic_algorithms(False)
    torch.manual_seed(7), np.random.seed(7), random.seed(7)
    expected = (torch.rand(3), np.random.rand(3), random.random())
    torch.manual_seed(7), np.random.seed(7), random.seed(7)
    _build_model("cpu")
    assert not torch.are_deterministic_algorithms_enabled()
    after = (torch.rand(3), np.random.rand(3), random.random())
    assert torch.equal(after[0], expected[0])
    np.testing.assert_array_equal(after[1], expected[1])
    assert after[2] == expected[2]


def test_result_json_follows_the_truth_conventions():
    result = ShotList(fps=__import__("fractions").Fraction(24000, 1001), frame_count=10,
                      shots=[], transitions=[Transition("cut", 4, 4)],
                      single=np.zeros(10, np.float32), many=np.zeros(10, np.float32))
    data = result.to_json("a.mp4")
    assert data["fps"] == "24000/1001"
    assert data["transitions"] == [{"type": "cut", "start_frame": 4, "end_frame": 4}]


def test_one_frame_video_is_one_shot(media):
    result = detect_shots(media / "bad" / "one_frame.mp4", cache=None)
    assert (result.frame_count, result.shots, result.transitions) == (1, [(0, 0)], [])


def test_damaged_file_is_analysed_with_warnings(media):
    result = detect_shots(media / "bad" / "corrupted_middle.mp4", cache=None)
    assert result.warnings
    assert result.frame_count > 0 and len(result.shots) == len(result.transitions) + 1


@pytest.mark.parametrize("length", [88, 31, 6])
def test_fused_network_matches_the_package_model(media, length):
    """The CPU-fast network gives the reference model's probabilities on real frames."""
    import torch

    from engine.shots.network import Network

    network = Network("cpu")
    assert network._model is not network.reference
    # Across a cut and a dissolve of seq03, in the window lengths the scorer uses.
    frames = _frames(media / "sequences" / "seq03_24fps.mp4", 0, 400)
    windows = [frames[start:start + length] for start in (0, 150, 300)]
    batch = torch.from_numpy(np.stack(windows))
    with torch.inference_mode():
        ref_single, ref_extra = network.reference(batch)
    ours = network.scores(windows)
    ref_single = torch.sigmoid(ref_single[..., 0]).numpy()
    ref_many = torch.sigmoid(ref_extra["many_hot"][..., 0]).numpy()
    for i, (single, many) in enumerate(ours):
        np.testing.assert_allclose(single, ref_single[i], rtol=0, atol=1e-5)
        np.testing.assert_allclose(many, ref_many[i], rtol=0, atol=1e-5)
    # Batched and one-by-one agree too.
    for (single, many), window in zip(ours, windows):
        alone = network.scores([window])[0]
        np.testing.assert_allclose(alone[0], single, rtol=0, atol=1e-6)
        np.testing.assert_allclose(alone[1], many, rtol=0, atol=1e-6)
