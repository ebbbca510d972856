"""Settings ▸ Cluster (issue 19): an address the queue cannot reach sends the file to this
machine's worker, says so in the status bar line and in the row's Node column."""
from __future__ import annotations

import pytest

from desktop.analysis_panel import AnalysisPanel
from desktop.settings_dialog import SettingsDialog
from engine import settings as engine_settings

UNREACHABLE = "ray://127.0.0.1:1"  # nothing listens on port 1


@pytest.fixture
def panel(qtbot):
    widget = AnalysisPanel()
    qtbot.addWidget(widget)
    widget.show()
    yield widget
    widget.shutdown()


def test_an_unreachable_cluster_falls_back_to_local_work(qtbot, panel, media):
    dialog = SettingsDialog()
    qtbot.addWidget(dialog)
    dialog.cluster.setText(UNREACHABLE)
    dialog.save()
    assert engine_settings.load().cluster_address == UNREACHABLE

    notices, results = [], []
    panel.notice.connect(notices.append)
    panel.analysed.connect(results.append)
    clip = media / "bad" / "one_frame.mp4"
    panel.enqueue(clip)
    qtbot.waitUntil(lambda: panel.active() == 0, timeout=180000)

    assert [r.path for r in results] == [clip]
    assert len(results[0].shots.shots) == 1
    assert panel.status(clip).startswith("done")
    assert len(notices) == 1
    assert notices[0].startswith(f"one_frame.mp4: {UNREACHABLE}: not reachable")
    assert notices[0].endswith("— analysing on this machine")
    row = panel._items[clip]
    assert row.text(4) == "this machine"
    assert "not reachable" in row.toolTip(4)
