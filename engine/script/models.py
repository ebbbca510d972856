"""Loading causal language models once, and falling back to the bundled one when offline.

torch and transformers are imported inside the functions: `engine.script` must stay cheap to
import for the CLI's `--help` and for the Fountain/FDX/PDF writers, which need neither.
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.resources import RESOURCES

DEFAULT_MODEL = "gpt2"
FALLBACK_DIR = RESOURCES / "models" / "script-lm"
FALLBACK_NAME = "the bundled Moviola script model"


class ModelUnavailable(RuntimeError):
    """The requested model could not be loaded; `str(exc)` is meant for the writer."""


@dataclass
class LoadedModel:
    """A model and its tokenizer on one device, plus how it came to be the one in use."""

    requested: str
    model_id: str  # what is actually used: the requested id, or the fallback's folder
    model: Any
    tokenizer: Any
    device: str
    fallback: bool = False
    message: str | None = None  # why the fallback is in use, worded for the writer
    # One generation at a time per model: sampling seeds torch's global RNG, which threads share.
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def has_chat_template(self) -> bool:
        return bool(getattr(self.tokenizer, "chat_template", None))

    @property
    def max_positions(self) -> int | None:
        config = self.model.config
        return getattr(config, "n_positions", None) or getattr(config, "max_position_embeddings", None)


_REGISTRY: dict[tuple[str, str], LoadedModel] = {}
_REGISTRY_LOCK = threading.Lock()


def default_device() -> str:
    """The settings' device (CUDA only when present)."""
    from engine.settings import compute_device

    return compute_device()


def hub_offline() -> bool:
    """True when the environment forbids reaching the Hugging Face hub."""
    return any(os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}
               for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


def get_model(model: str = DEFAULT_MODEL, device: str | None = None, *,
              fallback: bool = True) -> LoadedModel:
    """The model for `model` (hub id or local folder) on `device`, loaded on first use.

    Args:
        model: a Hugging Face model id or a local folder.
        device: "cuda", "cpu", ...; default CUDA when available.
        fallback: load the bundled model when `model` cannot be loaded.

    Raises:
        ModelUnavailable: when `model` cannot be loaded and `fallback` is False.
    """
    device = device or default_device()
    key = (str(model), device)
    with _REGISTRY_LOCK:  # loading twice at once would double the memory for nothing
        if key in _REGISTRY:
            return _REGISTRY[key]
        try:
            loaded = _load(str(model), device)
        except ModelUnavailable as exc:
            if not fallback:
                raise
            try:
                bundled = _load(str(FALLBACK_DIR), device)
            except ModelUnavailable as broken:
                raise ModelUnavailable(f"{exc}; but {FALLBACK_NAME} could not be loaded either "
                                       f"({broken.__cause__}): is the checkout complete?") from exc
            loaded = LoadedModel(requested=str(model), model_id=bundled.model_id, model=bundled.model,
                                 tokenizer=bundled.tokenizer, device=device, fallback=True,
                                 message=str(exc), lock=bundled.lock)
            _REGISTRY.setdefault((str(FALLBACK_DIR), device), bundled)
        _REGISTRY[key] = loaded
        return loaded


def unload(model: str | None = None) -> None:
    """Forget loaded models (all, or those requested as `model`) so the next use reloads."""
    with _REGISTRY_LOCK:
        for key in [k for k in _REGISTRY if model is None or k[0] == str(model)]:
            del _REGISTRY[key]


def _load(model: str, device: str) -> LoadedModel:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    local = Path(model).expanduser()
    if local.is_dir():
        sources = [dict(pretrained_model_name_or_path=str(local))]
    else:
        # The cache first: offline or not, a cached model should not wait on the network.
        sources = [dict(pretrained_model_name_or_path=model, local_files_only=True)]
        if not hub_offline():
            sources.append(dict(pretrained_model_name_or_path=model))
    # float32 on CPU: half precision is slow or unsupported there; our weights are stored fp16.
    dtype = torch.float32
    if device.startswith("cuda"):
        dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    problem: Exception | None = None
    for source in sources:
        try:
            tokenizer = AutoTokenizer.from_pretrained(**source)
            lm = AutoModelForCausalLM.from_pretrained(**source, dtype=dtype)
        except Exception as exc:  # noqa: BLE001 - any loader failure means "use the fallback"
            problem = exc
            continue
        lm.to(device).eval()
        if tokenizer.pad_token_id is None and tokenizer.eos_token_id is not None:
            tokenizer.pad_token = tokenizer.eos_token  # generate() warns on every call otherwise
        name = str(local.resolve()) if local.is_dir() else model
        return LoadedModel(requested=model, model_id=name, model=lm, tokenizer=tokenizer, device=device)
    raise ModelUnavailable(_explain(model, local, problem)) from problem


def _explain(model: str, local: Path, problem: Exception | None) -> str:
    if local.is_dir():
        reason = f"{model} could not be loaded ({_first_line(problem)})"
    elif hub_offline() or _looks_like_no_network(problem):
        reason = f"{model} is not available offline (not in the local Hugging Face cache)"
    else:
        reason = f"{model} could not be loaded ({_first_line(problem)})"
    return f"{reason}; using {FALLBACK_NAME}"


def _looks_like_no_network(problem: Exception | None) -> bool:
    text = f"{type(problem).__name__} {problem}".lower()
    return any(word in text for word in ("connection", "offline", "resolve", "timed out", "network"))


def _first_line(problem: Exception | None) -> str:
    text = str(problem).strip().splitlines()[0] if problem and str(problem).strip() else ""
    return text[:200] or type(problem).__name__
