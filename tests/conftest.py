"""Shared fixtures: where the team's test media lies, and an isolated user cache."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

# Tests never reach a model hub, and Qt never needs a display.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MOVIOLA_SHARED", REPO.parent / "shared")).resolve()


@pytest.fixture(scope="session")
def shared() -> Path:
    """The ../shared folder beside the repository (media, NLE files, corpora)."""
    if not (SHARED / "media").is_dir():
        pytest.skip(f"shared test data not found at {SHARED} (set MOVIOLA_SHARED to its path)")
    return SHARED


@pytest.fixture(scope="session")
def media(shared: Path) -> Path:
    return shared / "media"


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory, monkeypatch):
    """Keep the analysis cache and settings of the test run out of the real user's folders."""
    root = tmp_path_factory.getbasetemp() / "userdirs"
    monkeypatch.setenv("MOVIOLA_CACHE_DIR", str(root / "cache"))
    monkeypatch.setenv("MOVIOLA_CONFIG_DIR", str(root / "config"))


@pytest.fixture(scope="session")
def script_model_cache() -> Path:
    """A cache root holding the bundled script model converted to safetensors, for every script
    test. It lies in the checkout's .pytest_cache (git ignores it), so the GGUF conversion
    (minutes on a busy CPU) is paid once per checkout, not per module or session; each use
    checks its checksums and a damaged copy is rebuilt. MOVIOLA_TEST_MODEL_CACHE moves it."""
    from engine.script import ensure_converted

    root = Path(os.environ.get("MOVIOLA_TEST_MODEL_CACHE") or REPO / ".pytest_cache" / "moviola-script-model")
    ensure_converted(root)
    return root
