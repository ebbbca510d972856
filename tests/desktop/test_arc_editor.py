"""The custom arc is edited by dragging its points; the text the engine reads follows."""
from __future__ import annotations

from types import SimpleNamespace

from desktop.arc_editor import ArcEditor, format_points, parse_points
from desktop.proposals_panel import ProposalsPanel


def test_points_parse_and_format_round_trip():
    assert parse_points("1:0.9, 0:0.1,0.5:0.4:0.2") == [(0.0, 0.1), (0.5, 0.4), (1.0, 0.9)]
    assert format_points([(0.0, 0.1), (1.0, 0.9)]) == "0.00:0.10, 1.00:0.90"


def test_dragging_a_point_reshapes_the_arc(qtbot):
    editor = ArcEditor("0:0.2, 0.5:0.5, 1:0.3")
    qtbot.addWidget(editor)
    emitted = []
    editor.points_changed.connect(emitted.append)
    event = lambda x, y: SimpleNamespace(inaxes=editor.axes, xdata=x, ydata=y)  # noqa: E731
    editor._on_press(event(0.5, 0.5))
    editor._on_motion(event(0.6, 0.95))
    editor._on_release(event(0.6, 0.95))
    assert emitted == ["0.00:0.20, 0.60:0.95, 1.00:0.30"]
    editor._on_press(event(1.0, 0.3))  # the last point moves only up and down
    editor._on_motion(event(0.7, 0.1))
    editor._on_release(None)
    assert editor.points[-1] == (1.0, 0.1)


def test_panel_shows_the_editor_for_a_custom_arc(qtbot):
    panel = ProposalsPanel(runner=None, clips=list)
    qtbot.addWidget(panel)
    assert panel.arc_editor is None  # no matplotlib until asked for
    panel.arc.setCurrentText("custom")
    assert panel.arc_editor is not None and not panel.arc_editor.isHidden()
    panel.arc_editor.points_changed.emit("0.00:0.10, 1.00:0.80")
    assert panel.arc_spec() == "0.00:0.10,1.00:0.80"
