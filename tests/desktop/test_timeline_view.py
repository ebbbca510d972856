"""The timeline view: model in, pixels and model writes out (pytest-qt, offscreen)."""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import opentimelineio as otio
import pytest
import shiboken6
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QWheelEvent
from PySide6.QtWidgets import QApplication

from desktop.timeline import ShotEmotion, TimelineModel, timecode
from desktop.timeline.canvas import HEADER_WIDTH
from desktop.timeline.colors import (
    EMOTION_COLORS,
    IN_OUT,
    MARKER_COLORS,
    UNSCORED,
    element_color,
    emotion_color,
    ink_for,
)
from desktop.timeline.model import ShotIndex
from desktop.timeline.ruler import ticks
from desktop.timeline.view import ZOOM_STEP, TimelineView
from engine.shots import Shot, ShotList, Transition
from engine.timeline import rates

SIZE = (1000, 320)


def _model(**fields) -> TimelineModel:
    """Four shots over 400 frames at 24 fps; a dissolve into shot 2, a cut into 1 and 3."""
    values = dict(rate=Fraction(24), length=400,
                  shots=[(0, 99), (100, 209), (200, 299), (300, 399)],
                  transitions=[("cut", 100, 100), ("dissolve", 200, 209), ("cut", 300, 300)],
                  emotions={0: ShotEmotion("calm", 0.3, 0.2, 0.9), 1: ShotEmotion("tense", -0.4, 0.8, 0.7),
                            2: ShotEmotion("joyful", 0.8, 0.7, 0.6)})
    values.update(fields)
    return TimelineModel(**values)


@pytest.fixture
def make_view(qtbot, qapp):
    def make(model: TimelineModel, size=SIZE) -> TimelineView:
        view = TimelineView(model)
        qtbot.addWidget(view)
        view.resize(*size)
        view.show()
        qtbot.waitExposed(view)
        return view
    return make


def _pixel(view: TimelineView, x: float, y: float) -> QColor:
    return view.grab().toImage().pixelColor(round(x), round(y))


def _body_y(view: TimelineView) -> float:
    """A y in the shot blocks below their captions and above the confidence bar."""
    row = view.row("shots")
    return row.top + row.height - 14


def _centre_x(view: TimelineView, shot: int) -> float:
    start, end = view.model.shots[shot]
    return view.x_at((start + end + 1) / 2)


# -- model and pure helpers -----------------------------------------------------------

def test_timecode_at_the_rates_editors_use():
    assert timecode(24, 24) == "00:00:01:00"
    assert timecode(25 * 3600, 25) == "01:00:00:00"
    ntsc = Fraction(30000, 1001)
    assert timecode(1800, ntsc) == "00:01:00;02"  # drop-frame skips ;00 and ;01
    assert timecode(17982, ntsc) == "00:10:00;00"
    assert timecode(24, Fraction(24000, 1001)) == "00:00:01:00"  # 23.976 has no drop-frame


def test_ruler_majors_land_on_round_drop_frame_timecode():
    ntsc = Fraction(30000, 1001)
    majors = [t.frame for t in ticks(0, 40000, ntsc, 0.05) if t.major]
    labels = [timecode(f, ntsc) for f in majors]
    assert "00:10:00;00" in labels
    assert all(label.endswith(("00:00;00", "00;02", "00;00")) for label in labels)
    assert majors == sorted(majors)


def test_shot_index_finds_the_nearer_shot_inside_a_dissolve():
    index = ShotIndex([(0, 99), (100, 209), (200, 299)])
    assert index.at(50) == 0
    assert index.at(202) == 1  # first half of the dissolve 200..209 still shows shot 1
    assert index.at(207) == 2
    assert index.at(300) is None
    assert list(index.visible(150, 250)) == [1, 2]


def test_load_shot_list_takes_engine_shots_and_clears_per_shot_data():
    model = _model(selected_shot=1, thumbnails={0: np.zeros((4, 4, 3), np.uint8)})
    shots = ShotList(fps=Fraction(25), frame_count=90, shots=[Shot(0, 39), Shot(40, 89)],
                     transitions=[Transition("cut", 40, 40)], single=np.zeros(90), many=np.zeros(90))
    model.load_shot_list(shots)
    assert (model.rate, model.length, model.shots) == (Fraction(25), 90, [(0, 39), (40, 89)])
    assert model.transitions == [("cut", 40, 40)]
    assert model.selected_shot is None and model.emotions == {} and model.thumbnails == {}


def test_palette_covers_every_label_and_text_stays_readable():
    from desktop.timeline.model import EMOTION_LABELS

    assert set(EMOTION_COLORS) == set(EMOTION_LABELS)
    assert len(set(EMOTION_COLORS.values())) == len(EMOTION_COLORS)
    assert emotion_color(None) == emotion_color("unknown") == UNSCORED
    assert ink_for("#f0e442") == "#111111" and ink_for("#0072b2") == "#f4f4f4"


# -- model → view -----------------------------------------------------------------------

def test_blocks_take_their_label_colour_and_follow_model_changes(make_view):
    model = _model()
    view = make_view(model)
    for shot, score in model.emotions.items():
        assert _pixel(view, _centre_x(view, shot), _body_y(view)) == QColor(EMOTION_COLORS[score.label])
    assert _pixel(view, _centre_x(view, 3), _body_y(view)) == QColor(UNSCORED)

    model.update_emotions({3: ShotEmotion("sad", -0.7, 0.2, 0.8)})
    assert _pixel(view, _centre_x(view, 3), _body_y(view)) == QColor(EMOTION_COLORS["sad"])


def test_playhead_line_moves_with_the_model(make_view):
    model = _model()
    view = make_view(model)
    y = view.row("emotion").top + 4
    model.playhead = 250
    assert _pixel(view, round(view.x_at(250)), y) == QColor("#ff5a52")
    assert view.row("ruler") is not None


def _marked(frames: list[int], color=otio.schema.MarkerColor.PURPLE) -> otio.schema.Timeline:
    """A timeline holding only timeline markers (``timeline.tracks.markers``)."""
    timeline = otio.schema.Timeline(name="marked")
    timeline.tracks.markers.extend(otio.schema.Marker(name=f"M{i}", color=color,
                                                      marked_range=rates.time_range(f, 0, 24))
                                   for i, f in enumerate(frames))
    return timeline


def test_marker_flag_in_its_colour(make_view):
    model = _model(timeline=_marked([150]))
    view = make_view(model)
    ruler = view.row("ruler")
    assert _pixel(view, round(view.x_at(150)), ruler.bottom - 9) == QColor(MARKER_COLORS["PURPLE"])


def test_thumbnail_shows_when_zoomed_in_and_is_scaled_once(make_view, monkeypatch):
    import desktop.timeline.view as view_module

    conversions = []
    original = view_module.qimage_from_rgb
    monkeypatch.setattr(view_module, "qimage_from_rgb", lambda image: conversions.append(1) or original(image))
    magenta = np.zeros((90, 160, 3), np.uint8)
    magenta[..., 0] = magenta[..., 2] = 255
    model = _model(thumbnails={0: magenta})
    view = make_view(model)
    view.set_scale(8.0, HEADER_WIDTH)
    row = view.row("shots")
    inside = _pixel(view, view.x_at(0) + 30, row.top + row.height / 2 + 6)
    assert (inside.red(), inside.green(), inside.blue()) == (255, 0, 255)
    view.grab()
    assert len(conversions) == 1


def test_emotion_curve_fills_arousal_and_draws_valence(make_view):
    model = _model(valence=np.full(400, 0.5, np.float32), arousal=np.ones(400, np.float32))
    view = make_view(model)
    row = view.row("emotion")
    x = view.x_at(200)
    floor = _pixel(view, x, row.bottom - 6)  # arousal 1 fills the lane: amber
    assert floor.red() > floor.green() > floor.blue()
    line_y = row.top + row.height / 2 - 0.5 * (row.height / 2 - 4)
    line = _pixel(view, x, line_y)
    assert line.blue() > 150  # the valence line, light blue


def test_shot_scores_stand_in_for_a_missing_per_frame_curve(make_view):
    view = make_view(_model())
    row = view.row("emotion")
    tense = _pixel(view, _centre_x(view, 1), row.bottom - 6)  # tense: arousal 0.8
    assert tense.red() > tense.blue()


def test_proposal_tracks_become_lanes_in_nle_order(make_view):
    from engine.timeline.sample import sample_timeline

    model = _model(proposal=sample_timeline(24), waveforms={"A1": np.linspace(0, 1, 400)})
    view = make_view(model, size=(1000, 400))
    assert [r.key for r in view.rows] == ["ruler", "shots", "emotion", "V2", "V1", "A1", "A2"]
    assert view.sizeHint().height() >= view.rows[-1].bottom
    view.grab()


# -- view → model -----------------------------------------------------------------------

def test_clicking_a_shot_selects_it_everywhere(make_view, qtbot):
    model = _model()
    view = make_view(model)
    with qtbot.waitSignal(model.events.selected_shot):
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                         pos=QPoint(round(_centre_x(view, 2)), round(_body_y(view))))
    assert model.selected_shot == 2
    past_end = QPoint(round(view.x_at(model.length + 10)), round(_body_y(view)))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=past_end)
    assert model.selected_shot is None


def test_dragging_on_the_ruler_scrubs_the_playhead(make_view, qtbot):
    model = _model()
    view = make_view(model)
    y = view.row("ruler").top + 10
    start, end = QPoint(round(view.x_at(40) + 1), y), QPoint(round(view.x_at(300) + 1), y)
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=start)
    assert model.playhead == 40
    qtbot.mouseMove(view.viewport(), pos=end)
    assert model.playhead == 300
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=end)
    # Past the end, the playhead stops on the last frame.
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(view.viewport().width() - 2, y))
    assert model.playhead == model.length - 1


def test_zoom_keys_and_zoom_to_fit(make_view, qtbot):
    model = _model(length=24 * 600, shots=[(0, 24 * 600 - 1)], transitions=[], emotions={})
    view = make_view(model)
    fit = view.scale
    assert view.visible_frames() == (0.0, float(model.length))
    qtbot.keyClick(view, Qt.Key.Key_Plus)
    assert view.scale == pytest.approx(fit * ZOOM_STEP)
    qtbot.keyClick(view, Qt.Key.Key_Equal)
    qtbot.keyClick(view, Qt.Key.Key_Minus)
    assert view.scale == pytest.approx(fit * ZOOM_STEP)
    for _ in range(30):
        qtbot.keyClick(view, Qt.Key.Key_Plus)
    first, last = view.visible_frames()
    assert last - first < 100
    qtbot.keyClick(view, Qt.Key.Key_Backslash)
    assert view.scale == pytest.approx(fit)
    assert view.visible_frames() == (0.0, float(model.length))
    qtbot.keyClick(view, Qt.Key.Key_Minus)  # never smaller than the whole timeline
    assert view.scale == pytest.approx(fit)


def test_keys_zoom_about_the_playhead(make_view, qtbot):
    model = _model(playhead=300)
    view = make_view(model)
    before = view.x_at(300)
    qtbot.keyClick(view, Qt.Key.Key_Plus)
    assert view.x_at(300) == pytest.approx(before, abs=1)


def _wheel(view: TimelineView, x: float, dy: int, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    pos = QPointF(x, view.row("shots").top + 10)
    event = QWheelEvent(pos, view.viewport().mapToGlobal(pos), QPoint(0, 0), QPoint(0, dy),
                        Qt.MouseButton.NoButton, modifiers, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), event)


def test_ctrl_wheel_zooms_about_the_mouse_and_the_wheel_scrolls(make_view):
    model = _model()
    view = make_view(model)
    x = view.x_at(120)
    _wheel(view, x, 240, Qt.KeyboardModifier.ControlModifier)
    assert view.scale > view.fit_scale()
    assert view.frame_at(x) == pytest.approx(120, abs=0.5)
    first = view.visible_frames()[0]
    _wheel(view, x, -120)
    assert view.visible_frames()[0] > first


def test_selecting_elsewhere_brings_the_shot_into_view(make_view):
    model = _model()
    view = make_view(model)
    view.set_scale(40.0, HEADER_WIDTH)
    model.selected_shot = 3
    first, last = view.visible_frames()
    assert first <= 300 <= last


def test_five_thousand_shots_paint_at_every_zoom(make_view):
    rng = np.random.default_rng(3)
    lengths = rng.integers(24, 200, 5000)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    labels = list(EMOTION_COLORS)
    length = int(starts[-1] + lengths[-1])
    model = TimelineModel(
        rate=Fraction(24), length=length,
        shots=[(int(s), int(s + n - 1)) for s, n in zip(starts, lengths)],
        transitions=[("cut", int(s), int(s)) for s in starts[1:]],
        emotions={i: ShotEmotion(labels[i % 7], 0.0, 0.5, 0.8) for i in range(5000)},
        valence=rng.uniform(-1, 1, length).astype(np.float32),
        arousal=rng.uniform(0, 1, length).astype(np.float32),
        timeline=_marked([int(f) for f in rng.integers(0, length, 100)]),
        playhead=length // 2)
    view = make_view(model)
    assert not view.grab().isNull()
    for scale in (0.01, 0.5, 4.0, 48.0):
        view.set_scale(scale, view.x_at(model.playhead))
        assert not view.grab().isNull()
    shot = int(np.searchsorted(starts, model.playhead, side="right") - 1)
    x = _centre_x(view, shot)
    assert _pixel(view, x, _body_y(view)) == QColor(EMOTION_COLORS[labels[shot % 7]])


def test_model_outlives_a_deleted_view(qtbot, qapp):
    model = _model()
    view = TimelineView(model)
    view.show()
    view.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(view))
    model.playhead = 12
    model.shots = [(0, 10)]


# -- what the project holds: upper tracks, markers, In/Out ---------------------------------

ROW_BACKGROUND = QColor("#26282c")  # an empty lane (paint.ROW)
RULER_BACKGROUND = QColor("#18191b")  # paint.RULER


@pytest.fixture(scope="module")
def seq00(media):
    from tests.desktop.test_timeline_content import sequence_shots

    return sequence_shots(media)


@pytest.fixture
def clip_model(seq00, tmp_path):
    """seq00's breakdown on screen as the window shows a clip: a smoke element placed on V2
    over frames 100–199, a script beat at frame 400, In 200 and Out 300."""
    from engine.script.footage import FootageBeat, attach_markers
    from engine.timeline.breakdown import breakdown
    from tests.desktop.test_timeline_content import place

    info, shots = seq00
    rate = info.video.frame_rate
    timeline = breakdown(info, shots)
    place(timeline, 100, 100, rate, tmp_path, "smoke")
    attach_markers(timeline, [FootageBeat(400 / 24, 410 / 24, "sad", [6], text="The letter.")],
                   rate=float(rate))
    timeline.tracks.markers[0].color = otio.schema.MarkerColor.RED
    model = TimelineModel()
    model.load_shot_list(shots)
    model.timeline = timeline
    model.in_point, model.out_point = 200, 300
    return model


def _lane_y(view: TimelineView, key: str) -> float:
    """A y inside a video lane's blocks, above their centred names."""
    return view.row(key).top + 4


def test_a_placed_element_gets_a_v2_lane_above_the_shots(make_view, clip_model, tmp_path):
    view = make_view(clip_model)
    assert [r.key for r in view.rows] == ["ruler", "V2", "shots", "emotion"]
    element = QColor(element_color("element"))
    y = _lane_y(view, "V2")
    for frame in (104, 150, 195):
        assert _pixel(view, view.x_at(frame), y) == element
    for frame in (60, 260, 700):
        assert _pixel(view, view.x_at(frame), y) == ROW_BACKGROUND

    # Edited in place (OTIO emits nothing): a revision bump redraws.
    from tests.desktop.test_timeline_content import place

    place(clip_model.timeline, 600, 50, clip_model.rate, tmp_path, "matte", "keyed")
    assert _pixel(view, view.x_at(625), y) == ROW_BACKGROUND
    clip_model.revision += 1
    assert _pixel(view, view.x_at(625), y) == QColor(element_color("keyed"))


def test_in_out_band_tints_the_ruler_between_the_marks_only(make_view, clip_model):
    model = clip_model
    view = make_view(model)
    y = view.row("ruler").top + 15  # under the labels, above the ticks

    def tinted(frame: int) -> bool:
        colour = _pixel(view, view.x_at(frame), y)
        return colour != RULER_BACKGROUND and colour.blue() > colour.red() + 20

    assert all(tinted(f) for f in (210, 250, 290))
    assert not any(tinted(f) for f in (150, 310, 600))
    edge = QColor(IN_OUT)
    assert _pixel(view, round(view.x_at(200)), y) == edge  # the In bracket

    model.out_point = None  # one mark: its bracket only, no band
    assert not tinted(250)
    assert _pixel(view, round(view.x_at(200)), y) == edge
    model.in_point, model.out_point = None, 500
    assert _pixel(view, round(view.x_at(501)) - 1, y) == edge  # the Out bracket closes frame 500
    assert _pixel(view, round(view.x_at(200)), y) == RULER_BACKGROUND


def test_timeline_and_clip_markers_are_drawn_in_their_colours(make_view, clip_model):
    view = make_view(clip_model)
    ruler = view.row("ruler")
    assert _pixel(view, round(view.x_at(400)), ruler.bottom - 9) == QColor(MARKER_COLORS["RED"])
    # The breakdown marks every shot's first frame on V1, the shots row of a clip.
    shots = view.row("shots")
    start = clip_model.shots[5][0]
    assert _pixel(view, round(view.x_at(start)), shots.top + 2) == QColor(MARKER_COLORS["BLUE"])
    assert "The letter." in view._tooltip(QPointF(round(view.x_at(400)) + 1, ruler.top + 8))
    assert "shot 6" in view._tooltip(QPointF(round(view.x_at(start)) + 1, shots.top + 4))


def test_leaving_a_proposal_clears_its_lanes_and_coming_back_restores_them(make_view, clip_model):
    from engine.timeline.sample import sample_timeline

    proposal = sample_timeline(24)
    model = _model(proposal=proposal, timeline=proposal, waveforms={"A1": np.linspace(0, 1, 400)})
    view = make_view(model, size=(1000, 400))
    a1 = view.row("A1")
    assert [r.key for r in view.rows] == ["ruler", "shots", "emotion", "V2", "V1", "A1", "A2"]
    x, y = view.x_at(20), a1.top + a1.height / 2
    assert _pixel(view, x, y) not in (ROW_BACKGROUND, QColor("#1b1c1f"))

    # Back to a clip, as the window does: no proposal, its shots, its breakdown.
    clip = clip_model
    model.proposal, model.waveforms = None, {}
    model.rate, model.length = clip.rate, clip.length
    model.shots, model.transitions, model.emotions = clip.shots, clip.transitions, {}
    model.timeline = clip.timeline
    assert [r.key for r in view.rows] == ["ruler", "V2", "shots", "emotion"]
    assert _pixel(view, x, y) == QColor("#1b1c1f")  # below the last row: empty background
    assert _pixel(view, view.x_at(150), _lane_y(view, "V2")) == QColor(element_color("element"))

    model.proposal = model.timeline = proposal
    assert [r.key for r in view.rows] == ["ruler", "shots", "emotion", "V2", "V1", "A1", "A2"]
    assert _pixel(view, view.x_at(20), view.row("V1").top + 4) != ROW_BACKGROUND
