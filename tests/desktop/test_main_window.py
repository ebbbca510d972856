"""The main window opens offscreen, imports real clips and shows bad ones as clear messages."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from desktop.main_window import MainWindow


@pytest.fixture
def window(qtbot):
    win = MainWindow()
    qtbot.addWidget(win)
    win.projects.ask = _discard  # closing at teardown must never wait on a dialog
    win.show()
    return win


def _discard(title, text, buttons):
    from PySide6.QtWidgets import QMessageBox
    return QMessageBox.StandardButton.Discard


def _wait_probed(qtbot, win, count):
    qtbot.waitUntil(lambda: win.bin.topLevelItemCount() == count and win.bin.pending() == 0,
                    timeout=30000)


def _row(win, name):
    for i in range(win.bin.topLevelItemCount()):
        item = win.bin.topLevelItem(i)
        if item.text(0) == name:
            return item
    raise AssertionError(f"{name} not in the bin")


def test_import_clip_shows_probe_thumbnail_and_first_frame(qtbot, window, media):
    clip = media / "sources" / "tears_of_steel_0500.mp4"
    window.import_paths([clip])
    _wait_probed(qtbot, window, 1)
    item = _row(window, clip.name)
    assert item.text(2) == "640x360"
    assert item.text(3) == "24"
    assert item.text(4) == "h264"
    assert not item.icon(0).isNull()
    # selecting the clip puts its first frame in the viewer, decoded off the GUI thread
    window.bin.setCurrentItem(item)
    qtbot.waitUntil(lambda: window.viewer.frame_pixmap() is not None, timeout=20000)
    frame = window.viewer.frame_pixmap()
    assert (frame.width(), frame.height()) == (640, 360)
    assert "frame 0 /" in window.viewer.caption.text()


def test_bad_files_get_a_message_not_a_crash(qtbot, window, media):
    bad = media / "bad"
    names = ["zero_bytes.mov", "random_bytes.mp4", "text_renamed.mov", "video_no_audio.mp4"]
    window.import_paths([bad / n for n in names])
    _wait_probed(qtbot, window, len(names))
    assert "empty file" in _row(window, "zero_bytes.mov").text(1)
    assert "not a recognised media container" in _row(window, "random_bytes.mp4").text(1)
    assert _row(window, "text_renamed.mov").text(1).startswith("⚠")
    good = _row(window, "video_no_audio.mp4")
    assert good.text(5) == "none" and good.text(2) == "640x360"


def test_import_folder_and_unicode_names(qtbot, window, media):
    window.import_paths([media / "formats"])
    _wait_probed(qtbot, window, 5)
    assert _row(window, "h264_29.97fps_timecode_df.mov").text(6) == "01:00:00;00"
    window.import_paths([media / "bad" / "clip ünïcødé 映画.mp4"])
    _wait_probed(qtbot, window, 6)
    assert _row(window, "clip ünïcødé 映画.mp4").text(2) == "640x360"


def test_drop_files_on_the_bin(qtbot, window, media):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(media / "sources" / "asl_thanks.mkv"))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    window.bin.dropEvent(event)
    _wait_probed(qtbot, window, 1)
    assert _row(window, "asl_thanks.mkv").text(3) == "30"


def test_project_save_reopen_and_offline_media(qtbot, window, media, tmp_path):
    import shutil

    from PySide6.QtWidgets import QMessageBox
    clip = tmp_path / "footage" / "asl_thanks.mkv"
    clip.parent.mkdir()
    shutil.copy(media / "sources" / "asl_thanks.mkv", clip)
    window.import_paths([clip])
    _wait_probed(qtbot, window, 1)
    assert window.windowTitle().startswith("Untitled *")
    project_file = tmp_path / "cut.moviola"
    assert window.projects.save_as(project_file)
    assert window.windowTitle().startswith("cut.moviola —")
    assert window.projects.recent()[0] == project_file
    window._fill_recent()
    assert [a.text() for a in window.recent_menu.actions()][0] == "cut.moviola"

    clip.unlink()  # the footage goes missing: the project still opens, the clip shows offline
    assert window.projects.open(project_file)
    _wait_probed(qtbot, window, 1)
    assert "media offline" in _row(window, "asl_thanks.mkv").text(1)
    assert "1 clip(s) offline" in window.statusBar().currentMessage()

    # unsaved edits are autosaved; after a crash, reopening offers the autosave
    window.projects.project.settings["note"] = "keep me"
    window.projects.autosaver.maybe_autosave(now=1e12)
    after_crash = MainWindow()
    qtbot.addWidget(after_crash)
    asked = []
    after_crash.projects.ask = lambda title, text, buttons: (
        asked.append(title) or QMessageBox.StandardButton.Yes)
    assert after_crash.projects.open(project_file)
    assert asked == ["Recover unsaved work?"]
    assert after_crash.projects.project.settings["note"] == "keep me"
    assert after_crash.windowTitle().startswith("cut.moviola *")
    after_crash.projects.ask = _discard


def test_selecting_a_bad_file_explains_it_in_the_viewer(qtbot, window, media):
    window.import_paths([media / "bad" / "truncated_no_moov.mp4"])
    _wait_probed(qtbot, window, 1)
    window.bin.setCurrentItem(window.bin.topLevelItem(0))
    text = window.viewer.picture.text()
    assert "truncated_no_moov.mp4" in text and "moov" in text


def test_settings_dialog_saves_what_the_engine_reads(qtbot, window, tmp_path, monkeypatch):
    from desktop.settings_dialog import SettingsDialog
    from engine import settings

    monkeypatch.setenv("MOVIOLA_CONFIG_DIR", str(tmp_path))
    dialog = SettingsDialog(window)
    qtbot.addWidget(dialog)
    dialog.device.setCurrentIndex(dialog.device.findData("cpu"))
    dialog.script_model.setText(str(tmp_path / "my-model"))
    dialog.save()
    assert settings.load().device == "cpu"
    assert settings.compute_device() == "cpu"
    window._apply_settings()
    assert window.script.model.text() == str(tmp_path / "my-model")


def test_settings_dialog_keeps_the_transcript_model_and_what_it_does_not_show(qtbot, tmp_path, monkeypatch):
    import dataclasses

    from desktop.settings_dialog import SettingsDialog
    from engine import settings

    monkeypatch.setenv("MOVIOLA_CONFIG_DIR", str(tmp_path))
    settings.save(dataclasses.replace(settings.Settings(), transcript_model="/models/whisper-small",
                                      cluster_inline_mb="64"))
    dialog = SettingsDialog()
    qtbot.addWidget(dialog)
    assert dialog.transcript_model.text() == "/models/whisper-small"
    dialog.device.setCurrentIndex(dialog.device.findData("cpu"))
    dialog.save()
    saved = settings.load()
    assert (saved.device, saved.transcript_model, saved.cluster_inline_mb) == ("cpu", "/models/whisper-small", "64")
    dialog = SettingsDialog()
    qtbot.addWidget(dialog)
    dialog.transcript_model.setText("")
    dialog.save()
    assert settings.load().transcript_model == ""
