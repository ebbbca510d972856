"""Playing a clip: the picture advances at the clip's rate, pausing shows the exact frame,
and the NLE keys drive the transport."""
from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import Qt

from desktop.main_window import MainWindow
from engine.media import FrameReader
from engine.media.thumbnail import fit_width


@pytest.fixture
def loaded(qtbot, media):
    from PySide6.QtWidgets import QMessageBox
    win = MainWindow()
    qtbot.addWidget(win)
    win.projects.ask = lambda *a: QMessageBox.StandardButton.Discard
    win.show()
    clip = media / "sources" / "tears_of_steel_0500.mp4"
    win.import_paths([clip])
    qtbot.waitUntil(lambda: win.viewer.frame_pixmap() is not None, timeout=90000)
    yield win, clip
    win.viewer.playback.close()


def _picture_at(clip, info, frame, width):
    with FrameReader(clip, size=fit_width(info, width)) as reader:
        return reader.read(frame).image


def test_play_advances_at_the_clip_rate_and_pause_is_frame_exact(qtbot, loaded):
    win, clip = loaded
    playback = win.viewer.playback
    shown = {}
    playback.frame_shown.connect(lambda frame, image: shown.update(frame=frame, image=image))
    start = time.monotonic()
    qtbot.keyClick(win, Qt.Key.Key_Space)
    qtbot.wait(1000)
    qtbot.keyClick(win, Qt.Key.Key_Space)
    elapsed = time.monotonic() - start
    expected = elapsed * 24
    assert 0.5 * expected <= playback.position <= 1.2 * expected + 2
    qtbot.waitUntil(lambda: shown.get("frame") == playback.position, timeout=5000)
    info = win.bin.info(clip)
    image = shown["image"]
    assert np.array_equal(image, _picture_at(clip, info, playback.position, image.shape[1]))
    assert f"frame {playback.position} /" in win.viewer.caption.text()
    print(f"played {playback.position} frames in {elapsed:.2f} s "
          f"({playback.frames_dropped} dropped of {playback.frames_shown} shown)")


def test_transport_keys(qtbot, loaded):
    win, _ = loaded
    playback = win.viewer.playback
    for key, frame in ((Qt.Key.Key_End, 239), (Qt.Key.Key_Left, 238), (Qt.Key.Key_Home, 0),
                       (Qt.Key.Key_Right, 1), (Qt.Key.Key_Right, 2)):
        qtbot.keyClick(win, key)
        assert playback.position == frame
    qtbot.keyClick(win, Qt.Key.Key_I)
    qtbot.keyClick(win, Qt.Key.Key_End)
    qtbot.keyClick(win, Qt.Key.Key_O)
    assert (playback.in_point, playback.out_point) == (2, 239)
    qtbot.keyClick(win, Qt.Key.Key_L)
    qtbot.keyClick(win, Qt.Key.Key_L)
    assert playback.speed == 2.0
    qtbot.keyClick(win, Qt.Key.Key_K)
    assert playback.speed == 0.0
    qtbot.keyClick(win, Qt.Key.Key_J)
    assert playback.speed == -1.0
    qtbot.wait(300)
    qtbot.keyClick(win, Qt.Key.Key_K)
    assert playback.position < 239  # reverse play moved back from the end
    assert win.viewer.timecode.text() == f"00:00:{playback.position // 24:02d}:{playback.position % 24:02d}"


def test_source_timecode_is_shown(qtbot, media):
    from PySide6.QtWidgets import QMessageBox
    win = MainWindow()
    qtbot.addWidget(win)
    win.projects.ask = lambda *a: QMessageBox.StandardButton.Discard
    win.import_paths([media / "formats" / "h264_29.97fps_timecode_df.mov"])
    qtbot.waitUntil(lambda: win.viewer.frame_pixmap() is not None, timeout=90000)
    assert win.viewer.timecode.text() == "01:00:00;00"
    win.viewer.playback.seek(30)
    assert win.viewer.timecode.text() == "01:00:01;00"
    assert win.viewer.timecode_of(1800) == "01:01:00;02"  # a DF minute skips ;00 and ;01
    win.viewer.playback.close()


def test_sound_is_the_master_clock_when_a_device_exists(qtbot, media):
    from desktop.playback.audio import AudioClock, audio_device_available
    from desktop.playback.controller import PlaybackController
    from engine.media import probe
    from engine.playback import Playlist

    if not audio_device_available():
        pytest.skip("no audio output device (CI starts a PulseAudio null sink when it can)")
    controller = PlaybackController()
    try:
        controller.load(Playlist.from_clip(probe(media / "sources" / "bbb_0_30.webm")), 100)
        controller.play(1.0)
        assert isinstance(controller.clock, AudioClock)
        # the device starts consuming after its own latency; then sound drives the picture
        qtbot.waitUntil(lambda: controller.position >= 124, timeout=15000)
        assert controller.audio_clock._sink.processedUSecs() > 0
        controller.pause()
        assert controller.frames_shown >= 10
    finally:
        controller.close()
