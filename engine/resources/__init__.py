"""Where the files the app reads at run time are found: the data folders of this package.

demo/ (the demo footage), models/ (converted weights with their licences) and style/ (the
Qt style sheet) are package data, so a checkout, an editable install, a plain wheel and the
PyInstaller bundle all carry them beside this file. In a frozen app this package's code lives
in the bundle's archive, and PyInstaller puts the data under ``sys._MEIPASS`` in the same
relative folder; ``RESOURCES`` is the one root every caller goes through.
"""
from __future__ import annotations

import sys
from importlib.resources import files
from pathlib import Path


def _root() -> Path:
    bundle = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle:
        return Path(bundle, *__name__.split("."))
    # a regular package on disk: files() is a plain Path (we never install zipped)
    return Path(str(files(__name__)))


RESOURCES = _root()
DEMO_DIR = RESOURCES / "demo"
MEDIA_SUFFIXES = {".mp4", ".mov", ".mkv", ".webm", ".m4v", ".avi", ".mxf", ".m4a", ".wav", ".mp3"}


def resource(*parts: str) -> Path:
    """Path of a bundled resource; raises FileNotFoundError naming it when absent."""
    path = RESOURCES.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"{path}: bundled resource missing (is the installation complete?)")
    return path


def demo_media() -> list[Path]:
    """The bundled demo clips, in a stable order."""
    return sorted(p for p in DEMO_DIR.iterdir() if p.suffix.lower() in MEDIA_SUFFIXES)
