"""The editor's settings: where the cache lives, which device computes, which script model.

Kept as JSON in the user's config folder so the GUI, the CLI and the analysis worker
process all read the same choices.
"""
from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, fields
from pathlib import Path

log = logging.getLogger(__name__)
DEVICES = ("auto", "cpu", "cuda")


@dataclass
class Settings:
    cache_dir: str = ""        # empty: the platform's user cache folder
    device: str = "auto"       # auto: CUDA when available, else CPU
    script_model: str = "gpt2"  # a Hugging Face id or a local folder


def settings_path() -> Path:
    from engine.project.paths import config_dir

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
    from engine.project.atomic import atomic_write_text

    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(asdict(settings), indent=2))
    return path


def compute_device() -> str:
    """The device every model runs on: the setting, with CUDA only when it is really there."""
    choice = load().device
    if choice == "cpu":
        return "cpu"
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if choice == "cuda":
        log.warning("CUDA was chosen in the settings but is not available: using the CPU")
    return "cpu"
