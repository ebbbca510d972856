"""The Keras reference outputs of fer's model (``shared/models/fer-reference``).

Used by the conversion script and the tests to prove the torch port.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .fer_model import EMOTIONS

# The pass criterion stated by the reference README.
TOLERANCE = 1e-4


@dataclass(frozen=True)
class Reference:
    """The 49 reference inputs and Keras outputs.

    Attributes:
        crops: (N, 64, 64) uint8 exact model inputs before scaling.
        probabilities: (N, 7) Keras softmax outputs.
        logits: (N, 7) Keras pre-softmax outputs.
        items: The raw ``reference.json`` items (source, boxes, ...).
        model_sha256: sha256 of the HDF5 file the references came from.
    """

    crops: np.ndarray
    probabilities: np.ndarray
    logits: np.ndarray
    items: list[dict]
    model_sha256: str


def load_reference(root: str | Path) -> Reference:
    """Read ``reference.json`` and its crops from the folder ``root``."""
    root = Path(root)
    data = json.loads((root / "reference.json").read_text())
    if tuple(data["classes"]) != EMOTIONS:
        raise ValueError(f"reference class order {data['classes']} differs from {EMOTIONS}")
    crops = []
    for item in data["items"]:
        img = cv2.imread(str(root / item["file"]), cv2.IMREAD_UNCHANGED)
        if img is None or img.shape != (64, 64) or img.dtype != np.uint8:
            raise ValueError(f"{item['file']}: not a 64x64 8-bit gray PNG")
        crops.append(img)
    return Reference(
        crops=np.stack(crops),
        probabilities=np.array([i["probabilities"] for i in data["items"]], dtype=np.float64),
        logits=np.array([i["logits"] for i in data["items"]], dtype=np.float64),
        items=data["items"],
        model_sha256=data["model_sha256"],
    )


def compare(ref: Reference, probabilities: np.ndarray, logits: np.ndarray) -> dict:
    """Max abs differences and argmax agreement of a port's outputs vs the reference."""
    return {
        "max_abs_prob_diff": float(np.abs(probabilities - ref.probabilities).max()),
        "max_abs_logit_diff": float(np.abs(logits - ref.logits).max()),
        "argmax_agree": int((probabilities.argmax(1) == ref.probabilities.argmax(1)).sum()),
        "n": len(ref.items),
    }
