"""The VFX tab on a real 12-frame shot: picture, description form, preview, track, render, cancel."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from desktop.vfx.tab import ELEMENT, KEY, STABILIZE, TRACK, VfxTab, output_path
from engine.media import probe

START, END = 100, 111  # inclusive: 12 frames of a 640x360 clip


@pytest.fixture
def clip(media):
    return media / "sources" / "tears_of_steel_0500.mp4"


@pytest.fixture
def tab(qapp, qtbot, clip, tmp_path):
    widget = VfxTab()
    qtbot.addWidget(widget)
    widget.resize(1300, 800)
    widget.show()
    widget.set_output_folder(tmp_path / "renders")
    with qtbot.waitSignal(widget.frame_shown, timeout=30000):
        widget.set_shot(clip, probe(clip), START, END)
    yield widget
    widget.shutdown()


def wait_preview(qtbot, tab, since: int) -> None:
    qtbot.waitUntil(lambda: tab.preview_count > since and tab._preview_job is None
                    and tab._pending is None, timeout=30000)


def canvas_array(tab) -> np.ndarray:
    image = tab.canvas.image()
    ptr = image.constBits()
    arr = np.frombuffer(ptr, np.uint8, image.sizeInBytes()).reshape(image.height(), image.bytesPerLine())
    return arr[:, : image.width() * 3].reshape(image.height(), image.width(), 3).copy()


def test_set_shot_shows_the_first_frame(tab):
    assert tab.canvas.has_image()
    assert tab.plate.shape == (360, 640, 3)
    assert tab.current_frame() == START
    assert (tab.slider.minimum(), tab.slider.maximum()) == (START, END)
    assert "frames 100–111 (12)" in tab.shot_label.text()
    assert "(1/12)" in tab.frame_label.text()
    # the picture is the decoded plate, not a placeholder
    assert np.array_equal(canvas_array(tab), tab.plate)


def test_frame_slider_decodes_other_frames(qtbot, tab):
    first = tab.plate.copy()
    with qtbot.waitSignal(tab.frame_shown, timeout=30000, check_params_cb=lambda k: k == END):
        tab.set_frame(END)
    assert not np.array_equal(first, tab.plate)
    assert "(12/12)" in tab.frame_label.text()


def test_description_fills_the_form(tab):
    tab.pages.setCurrentIndex(ELEMENT)
    tab.description.setText("heavy rain blowing left")
    tab.describe_button.click()
    e = tab.form.element()
    assert e.kind == "rain"
    assert e.density == pytest.approx(0.85)
    assert 180 < e.direction < 270  # falling and blown leftwards
    assert tab.form.editors["kind"].currentData() == "rain"
    assert tab.form.editors["density"].value() == pytest.approx(0.85)
    assert not tab.form.form.isRowVisible(tab.form.editors["text"])  # titles only

    tab.description.setText("title 'NIGHTFALL' in white, fading in")
    tab.describe_button.click()
    assert tab.form.element().kind == "title"
    assert tab.form.editors["text"].text() == "NIGHTFALL"
    assert tab.form.form.isRowVisible(tab.form.editors["text"])


def test_unknown_description_is_a_one_line_message(tab):
    tab.description.setText("a purple elephant")
    tab.describe_button.click()
    assert tab.status.property("kind") == "error"
    assert "no element recognised" in tab.status.text()
    assert "\n" not in tab.status.text() and "Traceback" not in tab.status.text()


def test_element_preview_composites_over_the_plate_and_follows_edits(qtbot, tab):
    plate = tab.plate.copy()
    tab.description.setText("heavy snow")
    tab.describe_button.click()
    since = tab.preview_count
    tab.pages.setCurrentIndex(ELEMENT)
    wait_preview(qtbot, tab, since)
    snowy = canvas_array(tab)
    assert np.abs(snowy.astype(int) - plate).mean() > 1.0  # flakes drawn over the plate
    assert "SNOW PREVIEW" in tab.canvas.badge

    since = tab.preview_count
    tab.form.editors["seed"].setValue(tab.form.editors["seed"].value() + 7)
    wait_preview(qtbot, tab, since)
    assert not np.array_equal(snowy, canvas_array(tab))  # another seed, other flakes

    since = tab.preview_count
    tab.element_preview.setChecked(False)
    wait_preview(qtbot, tab, since)
    assert np.array_equal(canvas_array(tab), plate)


def test_track_shows_points_and_exports(qtbot, tab, tmp_path):
    tab.pages.setCurrentIndex(TRACK)
    assert not tab.export_json_button.isEnabled()
    tab.track_button.click()
    assert tab.busy() and tab.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: not tab.busy(), timeout=60000)
    assert tab.track is not None and len(tab.track) == 12
    assert tab.track.start == START
    with qtbot.waitSignal(tab.frame_shown, timeout=30000, check_params_cb=lambda k: k == START + 6):
        tab.set_frame(START + 6)
    assert len(tab.canvas.points) > 20  # the tracked features are drawn
    assert "points" in tab.canvas.badge
    assert "12 frames" in tab.track_info.text()

    json_file = tab.export_json()
    script = tab.export_blender()
    assert json_file.name == "tears_of_steel_0500_f00100-00111_track.json"
    assert json_file.exists() and script.exists()
    import ast
    ast.parse(script.read_text())
    # a second export never overwrites the first
    assert tab.export_json().name.endswith("_track_v2.json")

    # steadying now has a path and a predicted jitter to show
    tab.pages.setCurrentIndex(STABILIZE)
    assert "px before" in tab.jitter_label.text()
    assert tab.path_plot.before is not None and len(tab.path_plot.after) == 12


def test_planar_track_of_a_dragged_region(qtbot, tab):
    tab.pages.setCurrentIndex(TRACK)
    tab.track_planar.setChecked(True)
    assert tab.canvas.drawing
    rect = tab.canvas.picture_rect()
    a = QPoint(int(rect.x() + rect.width() * 0.3), int(rect.y() + rect.height() * 0.3))
    b = QPoint(int(rect.x() + rect.width() * 0.7), int(rect.y() + rect.height() * 0.7))
    qtbot.mousePress(tab.canvas, Qt.MouseButton.LeftButton, pos=a)
    qtbot.mouseMove(tab.canvas, b)
    qtbot.mouseRelease(tab.canvas, Qt.MouseButton.LeftButton, pos=b)
    assert tab.region is not None
    assert tab.region[0] == pytest.approx([192, 108], abs=3)
    assert tab.region[2] == pytest.approx([448, 252], abs=3)
    tab.track_button.click()
    qtbot.waitUntil(lambda: not tab.busy(), timeout=60000)
    assert tab.track.region is not None
    assert "Planar region track" in tab.track_info.text()
    qtbot.waitUntil(lambda: tab.canvas.region is not None, timeout=30000)


def test_render_element_then_add_to_timeline(qtbot, tab, tmp_path):
    tab.pages.setCurrentIndex(ELEMENT)
    tab.description.setText("light snow falling")
    tab.describe_button.click()
    assert not tab.add_button.isEnabled()
    tab.render_button.click()
    qtbot.waitUntil(lambda: not tab.busy(), timeout=120000)
    assert tab.add_button.isEnabled(), tab.status.text()
    with qtbot.waitSignal(tab.element_rendered, timeout=5000) as signal:
        tab.add_button.click()
    result = signal.args[0]
    assert result["path"] == tab.path and (result["start"], result["end"]) == (START, END)
    assert result["file"].exists() and result["file"].suffix == ".mov"
    assert result["file"].parent == tmp_path / "renders"
    assert result["file"].name == "tears_of_steel_0500_f00100-00111_snow.mov"
    from engine.media import FrameReader
    with FrameReader(result["file"]) as reader:
        assert reader.info.video.frame_count == 12
        assert (reader.info.video.width, reader.info.video.height) == (640, 360)


def test_cancel_stops_a_render_and_leaves_no_file(qtbot, qapp, clip, tmp_path):
    tab = VfxTab()
    qtbot.addWidget(tab)
    out = tmp_path / "cancel"
    tab.set_output_folder(out)
    with qtbot.waitSignal(tab.frame_shown, timeout=30000):
        tab.set_shot(clip, probe(clip), 0, 239)  # the whole clip: long enough to cancel
    try:
        tab.pages.setCurrentIndex(ELEMENT)
        tab.description.setText("thick fog drifting left")
        tab.describe_button.click()
        tab.render_button.click()
        qtbot.waitUntil(lambda: tab.progress.value() > 0, timeout=60000)
        tab.cancel_button.click()
        qtbot.waitUntil(lambda: not tab.busy(), timeout=60000)
        assert "cancelled" in tab.status.text()
        assert tab.status.property("kind") == "info"
        assert not tab.add_button.isEnabled()
        assert tab.render_button.isEnabled() and not tab.cancel_button.isEnabled()
        assert not list(out.glob("*.mov"))
    finally:
        tab.shutdown()


def test_key_preview_shows_a_matte(qtbot, tab):
    tab.key_show_matte.setChecked(True)
    since = tab.preview_count
    tab.pages.setCurrentIndex(KEY)
    wait_preview(qtbot, tab, since)
    matte = canvas_array(tab)
    assert (matte[..., 0] == matte[..., 1]).all()  # grey: the alpha itself
    assert tab.canvas.badge == "MATTE"


def test_bad_file_is_a_one_line_message(qtbot, qapp, media, clip):
    tab = VfxTab()
    qtbot.addWidget(tab)
    info = probe(clip)
    try:
        tab.set_shot(media / "bad" / "does_not_exist.mp4", info, 0, 11)
        qtbot.waitUntil(lambda: tab.status.property("kind") == "preview-error", timeout=30000)
        text = tab.status.text()
        assert "does_not_exist.mp4" in text and "Traceback" not in text and "\n" not in text
    finally:
        tab.shutdown()


def test_output_names_are_versioned(tmp_path):
    src = tmp_path / "A001_C003.mov"
    first = output_path(tmp_path, src, 10, 20, "rain", ".mov")
    assert first.name == "A001_C003_f00010-00020_rain.mov"
    first.write_bytes(b"x")
    assert output_path(tmp_path, src, 10, 20, "rain", ".mov").name == "A001_C003_f00010-00020_rain_v2.mov"


def test_render_steadied_shot_reports_measured_jitter(qtbot, tab, tmp_path):
    tab.pages.setCurrentIndex(STABILIZE)
    assert "Track the shot" in tab.jitter_label.text()
    tab.lock_off.setChecked(True)
    assert not tab.strength.isEnabled()
    tab.stabilize_button.click()
    qtbot.waitUntil(lambda: not tab.busy(), timeout=120000)
    assert "(measured)" in tab.jitter_label.text(), tab.status.text()
    assert tab.last_render["kind"] == "stabilized"
    assert tab.last_render["file"].name == "tears_of_steel_0500_f00100-00111_steadied.mov"
    assert tab.last_render["file"].exists()


def _wheel(widget, steps: int = 1):
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    centre = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(centre, widget.mapToGlobal(centre), QPoint(0, 0), QPoint(0, 120 * steps),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)
    return event


def test_scrolling_the_panel_never_turns_a_value(qtbot, tab):
    from PySide6.QtWidgets import QScrollArea

    area = QScrollArea()  # as the main window holds the tab
    qtbot.addWidget(area)
    area.setWidgetResizable(True)
    area.setWidget(tab)
    area.resize(700, 300)
    area.show()
    tab.pages.setCurrentIndex(ELEMENT)
    spin = tab.form.editors["density"]
    qtbot.waitUntil(spin.isVisible)
    assert spin.focusPolicy() == Qt.FocusPolicy.StrongFocus  # the wheel does not focus it
    before = spin.value()
    event = _wheel(spin)
    assert spin.value() == before  # unfocused: the value stays...
    # ...and the event is left unaccepted, which is what makes Qt offer a real (spontaneous)
    # wheel event to the parents, up to the scroll area (a synthetic one stops here).
    assert not event.isAccepted()
    for combo in (tab.screen, tab.format, tab.form.editors["kind"]):
        index = combo.currentIndex()
        _wheel(combo, -1)
        assert combo.currentIndex() == index

    area.activateWindow()
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus)
    _wheel(spin)
    assert spin.value() > before  # clicked into, it turns
    area.takeWidget()  # the fixture shuts the tab down


def test_tracking_and_renders_run_in_the_worker_process(qtbot, tab):
    import os

    tab.pages.setCurrentIndex(TRACK)
    tab.track_button.click()
    qtbot.waitUntil(lambda: not tab.busy(), timeout=60000)
    assert tab.track is not None
    assert tab.runner.worker_pid() not in (None, os.getpid())
