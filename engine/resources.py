"""Where the files under the repository's resources/ folder are found."""
from __future__ import annotations

from pathlib import Path

RESOURCES = Path(__file__).resolve().parents[1] / "resources"
DEMO_DIR = RESOURCES / "demo"
MEDIA_SUFFIXES = {".mp4", ".mov", ".mkv", ".webm", ".m4v", ".avi", ".mxf", ".m4a", ".wav", ".mp3"}


def resource(*parts: str) -> Path:
    """Path of a bundled resource; raises FileNotFoundError naming it when absent."""
    path = RESOURCES.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"{path}: bundled resource missing (is the checkout complete?)")
    return path


def demo_media() -> list[Path]:
    """The bundled demo clips, in a stable order."""
    return sorted(p for p in DEMO_DIR.iterdir() if p.suffix.lower() in MEDIA_SUFFIXES)
