"""Process environment fixes that must happen before Qt starts."""
from __future__ import annotations

import os
import sys

_CV2_VARS = ("QT_QPA_PLATFORM_PLUGIN_PATH", "QT_QPA_FONTDIR")


def sanitize_qt_environment() -> None:
    """Undo what `import cv2` does to the environment.

    opencv-python bundles its own Qt 5 and, on import, points QT_QPA_PLATFORM_PLUGIN_PATH at
    it; Qt 6 would then load Qt 5 platform plugins and abort. Only values that point into the
    cv2 package are removed, so a user's own setting survives.
    """
    for var in _CV2_VARS:
        value = os.environ.get(var, "")
        if value and f"{os.sep}cv2{os.sep}" in value + os.sep:
            del os.environ[var]


def has_display() -> bool:
    """Whether a GUI can be shown: always on Windows/macOS, on X11/Wayland when a display is set."""
    if sys.platform in ("win32", "darwin"):
        return True
    if os.environ.get("QT_QPA_PLATFORM", "").startswith(("offscreen", "minimal")):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
