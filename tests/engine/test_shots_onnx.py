"""The shot network in ONNX Runtime gives the package model's probabilities: the float graph
within 1e-4, the int8 graph (the CPU default) within its stated tolerance."""
from __future__ import annotations

import numpy as np
import pytest

from engine.media import FrameReader
from engine.shots.network import INPUT_SIZE, shared_network
from engine.shots.onnxnet import INT8_TOLERANCE, TOLERANCE, OnnxNetwork, graph, model_path


@pytest.fixture(scope="module")
def frames(media) -> np.ndarray:
    with FrameReader(media / "sequences" / "seq03_24fps.mp4", size=INPUT_SIZE) as reader:
        return np.stack([f.image for f in reader.frames(0, 400)])


@pytest.fixture(scope="module")
def float_network() -> OnnxNetwork:
    return OnnxNetwork("cpu", precision="float")


@pytest.mark.parametrize("length", [88, 31, 6])
@pytest.mark.parametrize("precision", ["float", "int8"])
def test_onnx_network_matches_the_package_model(frames, length, precision, float_network):
    import torch

    onnx = shared_network("cpu", "onnx") if precision == "int8" else float_network
    assert isinstance(onnx, OnnxNetwork) and onnx.precision == precision
    tolerance = INT8_TOLERANCE if precision == "int8" else TOLERANCE
    reference = shared_network("cpu", "torch").reference
    # Across a cut and a dissolve of seq03, in window lengths the scorer uses.
    windows = [frames[start:start + length] for start in (0, 150, 300)]
    with torch.inference_mode():
        single, extra = reference(torch.from_numpy(np.stack(windows)))
    single = torch.sigmoid(single[..., 0]).numpy()
    many = torch.sigmoid(extra["many_hot"][..., 0]).numpy()
    for i, (s, m) in enumerate(onnx.scores(windows)):
        np.testing.assert_allclose(s, single[i], rtol=0, atol=tolerance)
        np.testing.assert_allclose(m, many[i], rtol=0, atol=tolerance)
    if length >= 31:
        assert single.max() > 0.5  # the windows hold a cut the single-frame head fires on


def test_the_cpu_default_runs_its_heavy_convolutions_in_int8():
    import onnx

    def convs(precision):
        nodes = onnx.load(str(graph(precision))).graph.node
        dequantised = {out for n in nodes if n.op_type == "DequantizeLinear" for out in n.output}
        return {n.name: n.input[0] in dequantised and n.input[1] in dequantised for n in nodes if n.op_type == "Conv"}

    int8, float_ = convs("int8"), convs("float")
    assert len(int8) == len(float_) == 6 * 5  # each block: one merged spatial and four temporal convolutions
    assert not any(float_.values())
    # Every block's spatial convolution reads int8 weights and activations but the first's
    # (three input channels: little work, the largest error); the temporal ones stay float.
    assert sorted(name for name, q in int8.items() if q) == sorted(
        name for name in int8 if "/spatial/" in name and not name.startswith("/model/SDDCNN.0/DDCNN.0/"))
    assert sum(int8.values()) == 5


def test_exported_graphs_are_reused():
    shared_network("cpu", "onnx")
    paths = [model_path("float"), model_path("int8")]
    files = [(p.stat().st_ino, p.stat().st_size) for p in paths]  # a new export replaces the file
    OnnxNetwork("cpu")
    assert [(p.stat().st_ino, p.stat().st_size) for p in paths] == files


def test_a_machine_that_cannot_quantise_runs_the_float_graph(tmp_path, monkeypatch, caplog):
    from engine.shots import onnxnet

    real = onnxnet.model_path
    monkeypatch.setattr(onnxnet, "model_path", lambda precision="float": tmp_path / "int8.onnx"
                        if precision == "int8" else real("float"))

    def cannot(float_path, path, clips=None):
        raise RuntimeError("no demo footage to calibrate the int8 shot network on")

    monkeypatch.setattr(onnxnet, "quantise", cannot)
    with caplog.at_level("WARNING", logger=onnxnet.__name__):
        network = OnnxNetwork("cpu")
    assert network.precision == "float"
    assert "int8 shot network unavailable (no demo footage" in caplog.text
    assert not (tmp_path / "int8.onnx").exists()


def test_quantising_needs_footage_to_calibrate_on(tmp_path):
    from engine.shots.onnxnet import quantise

    with pytest.raises(RuntimeError, match="no demo footage"):
        quantise(model_path("float"), tmp_path / "int8.onnx", clips=[])
    assert not any(tmp_path.iterdir())


def test_the_job_says_when_it_must_prepare_the_network_first(media, tmp_path, monkeypatch):
    from engine.shots.detector import shots_job
    from engine.shots.network import BACKEND_ENV

    def first_message():
        job = shots_job(media / "sequences" / "seq03_24fps.mp4", cache=None, device="cpu")
        message = next(job)[1]
        job.close()
        return message

    shared_network("cpu", "onnx")  # the graphs are on disk now
    assert first_message() == "seq03_24fps.mp4: loading the shot model"
    monkeypatch.setenv("MOVIOLA_MODEL_DIR", str(tmp_path))  # a machine that has none yet
    assert first_message().startswith("seq03_24fps.mp4: preparing the shot model for this computer (once")
    monkeypatch.setenv(BACKEND_ENV, "torch")  # nothing to prepare for torch
    assert first_message() == "seq03_24fps.mp4: loading the shot model"
    assert not any(tmp_path.iterdir())


def test_memory_stays_flat_over_windows_of_every_length(tmp_path):
    # ONNX Runtime's per-shape memory plans grew RSS by ~190 MB over these 69 lengths; a long
    # film meets them all. In a process of its own, so what other tests hold does not count.
    import subprocess
    import sys

    probe = """
import numpy as np
from engine.shots.onnxnet import OnnxNetwork
rss = lambda: int(open('/proc/self/status').read().split('VmRSS:')[1].split()[0]) // 1024
net, rng = OnnxNetwork('cpu', threads=2), np.random.default_rng(0)
net.scores([rng.integers(0, 255, (88, 27, 48, 3), np.uint8)])
base = rss()
for n in range(20, 89):
    net.scores([rng.integers(0, 255, (n, 27, 48, 3), np.uint8)])
print(rss() - base)
"""
    if not sys.platform.startswith("linux"):
        pytest.skip("reads /proc/self/status")
    shared_network("cpu", "onnx")  # the graphs exist before the probe measures
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=600, check=True)
    growth_mb = int(out.stdout.split()[-1])
    assert growth_mb < 40, f"RSS grew {growth_mb} MB over 69 window lengths"


def test_the_network_threads_sleep_between_windows():
    # Spinning pool threads took the cores the decoder and the picture meter use between
    # windows (benchmarks/analyze.py measured it); the session must be made without them.
    net = OnnxNetwork("cpu", threads=2)
    assert net.session.get_session_options().get_session_config_entry("session.intra_op.allow_spinning") == "0"


def test_graphs_no_install_has_loaded_for_a_month_are_removed(media, tmp_path):
    # Every export version left its ~30 MB graphs in the per-user folder for good.
    import json
    import os
    import shutil
    import subprocess
    import sys
    import time
    from pathlib import Path

    from engine.atomic import temporary_name
    from engine.shots.onnxnet import MODEL_DIR_ENV, PRECISIONS

    shared_network("cpu", "onnx")  # this machine's graphs exist: copy them, not export again
    models = tmp_path / "models"
    models.mkdir()
    current = [Path(shutil.copy2(model_path(p), models)) for p in PRECISIONS]
    unused = models / "transnetv2-1.0.5-torch2.12.0-opset17-3.onnx"
    in_use = models / "transnetv2-1.0.5-torch2.12.0-ort1.31.0-int8-opset17-3.onnx"  # another install's
    killed_export = models / temporary_name(current[0].name)
    killed_quantise = models / ".quantise-k1lled"
    notes = models / "notes.txt"  # not ours
    for path in (unused, in_use, killed_export, notes):
        path.write_bytes(b"graph")
    killed_quantise.mkdir()
    (killed_quantise / "prepared.onnx").write_bytes(b"graph")
    month_ago = time.time() - 31 * 24 * 3600
    for path in (unused, killed_export, killed_quantise, notes, *current):
        os.utime(path, (month_ago, month_ago))

    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, **{MODEL_DIR_ENV: str(models)}, MOVIOLA_CACHE_DIR=str(tmp_path / "cache"))
    out = subprocess.run([sys.executable, "-m", "engine.cli", "shots", "--json", "--no-cache",
                          str(media / "sources" / "tears_of_steel_0500.mp4")],
                         cwd=root, env=env, capture_output=True, text=True, timeout=600, check=True)
    assert json.loads(out.stdout)["shots"]  # it ran on the copied graphs
    assert sorted(p.name for p in models.iterdir()) == sorted([*(p.name for p in current), in_use.name, notes.name])
    int8 = models / model_path("int8").name
    assert int8.stat().st_mtime > time.time() - 600  # marked as used by this run
