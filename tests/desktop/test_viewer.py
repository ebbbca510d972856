"""The viewer's scrub bar shows In/Out: set by the window, or by the playback's I/O marks."""
from __future__ import annotations

import pytest
from PySide6.QtGui import QColor

from desktop.timeline.colors import IN_OUT
from desktop.viewer import Viewer

BACKGROUND = QColor("#1e1f22")  # the style sheet's widget background


@pytest.fixture
def viewer(qtbot, qapp):
    view = Viewer()
    qtbot.addWidget(view)
    view.resize(640, 360)
    view.show()
    qtbot.waitExposed(view)
    yield view
    view.playback.close()


def _band_pixel(viewer: Viewer, frame: int) -> QColor:
    """The scrub bar's colour at ``frame``, in the band but clear of the thin groove."""
    scrub = viewer.scrub
    image = scrub.grab().toImage()
    return image.pixelColor(round(scrub.x_of(frame)), scrub.height() // 2 - 4)


def _in_band(colour: QColor) -> bool:
    return colour != BACKGROUND and colour.blue() > colour.red() + 40


def test_set_marks_draws_the_band_between_in_and_out(viewer):
    scrub = viewer.scrub
    scrub.setRange(0, 99)
    scrub.setEnabled(True)
    assert not any(_in_band(_band_pixel(viewer, f)) for f in (10, 40, 80))

    viewer.set_marks(20, 60)
    assert scrub.marks == (20, 60)
    assert all(_in_band(_band_pixel(viewer, f)) for f in (25, 40, 55))
    assert not any(_in_band(_band_pixel(viewer, f)) for f in (10, 70, 90))

    viewer.set_marks(None, 70)  # Out alone: its bracket, no band
    assert not _in_band(_band_pixel(viewer, 40))
    image = scrub.grab().toImage()
    assert image.pixelColor(round(scrub.x_of(70)) - 1, scrub.height() // 2 - 4) == QColor(IN_OUT)


def test_the_handle_stays_on_top_of_the_band(viewer):
    scrub = viewer.scrub
    scrub.setRange(0, 99)
    scrub.setEnabled(True)
    scrub.setValue(40)
    handle = _band_pixel(viewer, 40)
    viewer.set_marks(20, 60)
    assert _band_pixel(viewer, 40) == handle


def test_playback_marks_drive_the_band(viewer, qtbot, media):
    from engine.media import probe
    from engine.playback import Playlist

    info = probe(media / "formats" / "h264_23.976fps_timecode.mov")
    viewer.play(Playlist.from_clip(info))
    qtbot.waitUntil(lambda: viewer.frame_pixmap() is not None, timeout=30000)
    playback = viewer.playback
    playback.seek(10)
    playback.mark_in()
    playback.seek(40)
    playback.mark_out()
    assert viewer.scrub.marks == (10, 40)
    assert _in_band(_band_pixel(viewer, 25))

    viewer.play(Playlist.from_clip(info))  # a new playlist starts without marks
    assert viewer.scrub.marks == (None, None)
    assert not _in_band(_band_pixel(viewer, 25))
