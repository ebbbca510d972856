"""Where Moviola keeps per-user data: the analysis cache and the settings/autosave folder.

Both can be redirected with environment variables (the test suite does so for every
test, and a studio may point the cache at a fast local disk).
"""
from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "moviola"
CACHE_DIR_ENV = "MOVIOLA_CACHE_DIR"
CONFIG_DIR_ENV = "MOVIOLA_CONFIG_DIR"


def cache_dir() -> Path:
    """Folder for regenerable data (analysis results): ``$MOVIOLA_CACHE_DIR``, else the
    settings' cache folder, else the platform's.

    The folder is not created here: callers create it when they first write.
    """
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return Path(override)
    from engine.settings import load

    chosen = load().cache_dir
    return Path(chosen).expanduser() if chosen else Path(platformdirs.user_cache_dir(APP_NAME))


def config_dir() -> Path:
    """Folder for settings and autosaves of untitled projects; ``$MOVIOLA_CONFIG_DIR`` wins."""
    override = os.environ.get(CONFIG_DIR_ENV)
    return Path(override) if override else Path(platformdirs.user_config_dir(APP_NAME))
