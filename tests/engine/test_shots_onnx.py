"""The shot network in ONNX Runtime gives the package model's probabilities."""
from __future__ import annotations

import numpy as np
import pytest

from engine.media import FrameReader
from engine.shots.network import INPUT_SIZE, shared_network
from engine.shots.onnxnet import TOLERANCE, OnnxNetwork, model_path


@pytest.fixture(scope="module")
def frames(media) -> np.ndarray:
    with FrameReader(media / "sequences" / "seq03_24fps.mp4", size=INPUT_SIZE) as reader:
        return np.stack([f.image for f in reader.frames(0, 400)])


@pytest.mark.parametrize("length", [88, 31, 6])
def test_onnx_network_matches_the_package_model(frames, length):
    import torch

    onnx = shared_network("cpu", "onnx")
    assert isinstance(onnx, OnnxNetwork)
    reference = shared_network("cpu", "torch").reference
    # Across a cut and a dissolve of seq03, in window lengths the scorer uses.
    windows = [frames[start:start + length] for start in (0, 150, 300)]
    with torch.inference_mode():
        single, extra = reference(torch.from_numpy(np.stack(windows)))
    single = torch.sigmoid(single[..., 0]).numpy()
    many = torch.sigmoid(extra["many_hot"][..., 0]).numpy()
    for i, (s, m) in enumerate(onnx.scores(windows)):
        np.testing.assert_allclose(s, single[i], rtol=0, atol=TOLERANCE)
        np.testing.assert_allclose(m, many[i], rtol=0, atol=TOLERANCE)
    if length >= 31:
        assert single.max() > 0.5  # the windows hold a cut the single-frame head fires on


def test_exported_graph_is_reused():
    path = model_path()
    shared_network("cpu", "onnx")
    stamp = path.stat().st_mtime_ns
    OnnxNetwork("cpu")
    assert path.stat().st_mtime_ns == stamp
