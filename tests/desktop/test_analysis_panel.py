"""Background analysis: per-file progress, errors that do not stop the queue, cancel, and
an event loop that keeps answering while the engine works."""
from __future__ import annotations

import re
import time

import pytest
from PySide6.QtCore import QElapsedTimer, QTimer

from desktop.analysis_panel import AnalysisPanel, eta_text, progress_texts


@pytest.fixture
def panel(qtbot, tmp_path, monkeypatch):
    # A cache of its own: the queue's progress is checked on a file it has to decode, whatever
    # other tests of the session analysed before (set before the worker process starts).
    monkeypatch.setenv("MOVIOLA_CACHE_DIR", str(tmp_path / "cache"))
    widget = AnalysisPanel()
    qtbot.addWidget(widget)
    widget.show()
    yield widget
    widget.shutdown()


def test_queue_reports_each_file_and_survives_bad_ones(qtbot, panel, media, tmp_path):
    results, failures = [], []
    panel.analysed.connect(results.append)
    panel.file_failed.connect(lambda path, message: failures.append(message))
    clip = media / "sources" / "tears_of_steel_0500.mp4"
    panel.enqueue(media / "bad" / "random_bytes.mp4")
    panel.enqueue(clip)
    panel.enqueue(media / "bad" / "audio_only.m4a")
    shown = []  # what the row says after each progress step: the bar's text and the status
    panel._jobs[clip].progress.connect(lambda *_: shown.append((panel._bar(clip).text(), panel.status(clip))))

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

    # the percentage and the frame counter come from one fraction, so they agree
    counted = [(int(percent.rstrip("%")), *map(int, re.search(r"frame (\d+) of (\d+)", status).groups()))
               for percent, status in shown if "frame" in status]
    assert len(counted) >= 3
    for percent, frame, total in counted:
        assert abs(percent - 100 * frame / total) < 1, (percent, frame, total)
    percents = [int(percent.rstrip("%")) for percent, _ in shown]
    assert percents == sorted(percents)
    assert panel._bar(clip).text() == "100%"


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


def test_progress_texts_share_one_fraction():
    # the shot stage is at its frame 120 of 240, which is 36% of the whole file
    assert progress_texts(0.36, "clip.mp4: frame 120 of 240") == ("36%", "clip.mp4: frame 86 of 240")
    assert progress_texts(0.999, "clip.mp4: expressions") == ("99%", "clip.mp4: expressions")
    assert progress_texts(1.2, "done")[0] == "100%"


def test_eta_text():
    assert eta_text(0.0, 10) == ""
    assert eta_text(0.5, 30) == "0:30"
    assert eta_text(0.25, 60) == "3:00"


def test_transcription_is_a_stage_of_a_files_row(qtbot, panel, media):
    # sound without picture: no analysis, but its transcript stage runs in the worker
    sound = media / "bad" / "audio_only.m4a"
    heard, rows = [], []
    panel.transcribed.connect(heard.append)
    panel.transcript_progress.connect(lambda path, fraction, message: rows.append(panel.status(path)))
    assert panel.enqueue(sound, stages=("transcript",))
    assert not panel.enqueue(sound, stages=("transcript",))  # already has it
    assert panel.transcribing(sound)
    qtbot.waitUntil(lambda: panel.active() == 0, timeout=120000)
    assert len(heard) == 1 and heard[0].file == str(sound)
    assert rows and all(r.startswith("transcribing: ") for r in rows)
    status = panel.status(sound)
    assert status.startswith("done: ") and (heard[0].reason or "words") in status, status
    assert panel._bar(sound).text() == "100%" and panel.stages(sound) == ["transcript"]
    with pytest.raises(ValueError, match="unknown analysis stage"):
        panel.enqueue(sound, stages=("subtitles",))
