"""Background analysis: per-file progress, errors that do not stop the queue, cancel, and
an event loop that keeps answering while the engine works."""
from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QElapsedTimer, QTimer

from desktop.analysis_panel import AnalysisPanel, eta_text


@pytest.fixture
def panel(qtbot):
    widget = AnalysisPanel()
    qtbot.addWidget(widget)
    widget.show()
    yield widget
    widget.shutdown()


def test_queue_reports_each_file_and_survives_bad_ones(qtbot, panel, media, tmp_path):
    results, failures = [], []
    panel.analysed.connect(results.append)
    panel.file_failed.connect(lambda path, message: failures.append(message))
    panel.enqueue(media / "bad" / "random_bytes.mp4")
    panel.enqueue(media / "sources" / "tears_of_steel_0500.mp4")
    panel.enqueue(media / "bad" / "audio_only.m4a")

    # timer drift while the engine works: the GUI thread must never be held up
    clock, worst, ticks = QElapsedTimer(), [0.0], [0]
    timer = QTimer()
    timer.setInterval(10)

    def tick():
        elapsed = clock.restart()
        if ticks[0]:
            worst[0] = max(worst[0], elapsed - 10)
        ticks[0] += 1
    clock.start()
    timer.timeout.connect(tick)
    timer.start()
    qtbot.waitUntil(lambda: panel.active() == 0, timeout=180000)
    timer.stop()
    print(f"event-loop latency during analysis: worst {worst[0]:.0f} ms over {ticks[0]} ticks")
    # The 50 ms target is measured in benchmarks/latency.py (these machines are noisy); this
    # bound catches the real regression: analysis in-process stalled the loop 300-450 ms.
    assert worst[0] < 250

    assert [r.path.name for r in results] == ["tears_of_steel_0500.mp4"]
    assert len(results[0].shots.shots) >= 3
    assert panel.status(media / "sources" / "tears_of_steel_0500.mp4").startswith("done")
    assert failures == ["random_bytes.mp4: not a recognised media container",
                        "audio_only.m4a: no video stream"]
    assert "not a recognised media container" in panel.status(media / "bad" / "random_bytes.mp4")


def test_cancel_stops_a_running_and_a_queued_file(qtbot, panel, media, tmp_path):
    first = media / "sequences" / "seq00_24fps.mp4"
    second = media / "sequences" / "seq01_25fps.mp4"
    panel.enqueue(first, cache=None)
    panel.enqueue(second, cache=None)
    qtbot.waitUntil(lambda: panel._bar(first).value() > 0, timeout=60000)
    started = time.monotonic()
    panel.cancel_all()
    qtbot.waitUntil(lambda: panel.active() == 0, timeout=30000)
    assert time.monotonic() - started < 10
    assert panel.status(first) == "cancelled" and panel.status(second) == "cancelled"


def test_eta_text():
    assert eta_text(0.0, 10) == ""
    assert eta_text(0.5, 30) == "0:30"
    assert eta_text(0.25, 60) == "3:00"
