"""Desktop tests: the app's QApplication (our style, cv2-safe environment) for pytest-qt."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def qapp():
    from desktop.app import create_app

    return create_app()
