"""The window keeps its size and its bin, through analysis, long texts and a restored layout."""
from __future__ import annotations

import shutil

from PySide6.QtWidgets import QMessageBox

from desktop.main_window import MIN_BIN_WIDTH, MainWindow


def _window(qtbot):
    win = MainWindow()
    qtbot.addWidget(win)
    win.projects.ask = lambda *a: QMessageBox.StandardButton.Discard
    win.resize(1280, 760)
    win.show()
    qtbot.waitExposed(win)
    return win


def test_window_and_bin_keep_their_size_and_the_restored_layout_is_sane(qtbot, media, tmp_path):
    long_name = tmp_path / ("a clip with a very long name from camera card " * 3 + ".mp4")
    shutil.copy(media / "sources" / "tears_of_steel_0500.mp4", long_name)
    win = _window(qtbot)
    size = win.size()
    win.import_paths([long_name])
    qtbot.waitUntil(lambda: long_name in win.analyses, timeout=180000)
    qtbot.waitUntil(lambda: len(win.timeline_model.emotions) > 2, timeout=20000)
    for shot in range(len(win.timeline_model.shots)):
        win.timeline_model.selected_shot = shot  # the inspector fills with long explanations
        qtbot.wait(50)
    assert win.size() == size
    assert win.docks["Media"].width() >= MIN_BIN_WIDTH
    win.close()  # saves the layout
    win.analysis.shutdown()

    again = _window(qtbot)
    try:
        assert again.docks["Media"].width() >= MIN_BIN_WIDTH
        assert again.size().width() <= 1280 + 1 and again.size().height() <= 760 + 1
    finally:
        again.analysis.shutdown()
