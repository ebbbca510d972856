"""PySide6 6.12.0 on CPython 3.11 releases a reference to None on every void call, and the
interpreter aborts a few thousand calls later ("none_dealloc"). pyproject excludes that
release; this test fails (in a child process, so the crash cannot take pytest down) if a
PySide6 with the fault is ever installed again."""
from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import sys
from PySide6.QtGui import QColor
color = QColor(0, 0, 0)
before = sys.getrefcount(None)
for _ in range(500):
    color.setAlpha(255)
print(before - sys.getrefcount(None))
"""


def test_void_calls_keep_none_alive():
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert int(result.stdout.strip()) < 10, "PySide6 drops a reference to None per void call"
