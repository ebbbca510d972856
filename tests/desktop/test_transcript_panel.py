"""The transcript panel in the real main window: transcribe a clip with speech in the worker
process, follow the playhead, click a word to seek, select words to mark In/Out, search."""
from __future__ import annotations

import math
import shutil
import subprocess
import wave

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QTextCursor

from desktop.main_window import MainWindow

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None or shutil.which("ffmpeg") is None,
                                reason="espeak-ng and ffmpeg are needed (make system-deps)")
RATE = 22050
LINES = [(0.5, "The lamp in the hallway is broken again."),
         (4.5, "I will fix it after dinner, I promise."),
         (8.5, "You said that last week about the kitchen door.")]


def speech_clip(folder):
    """A 12 s, 25 fps video whose sound says LINES at their times (espeak-ng)."""
    sound = np.zeros(12 * RATE, np.float32)
    for i, (start, text) in enumerate(LINES):
        line = folder / f"line{i}.wav"
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(line), text], check=True)
        with wave.open(str(line)) as w:
            samples = np.frombuffer(w.readframes(w.getnframes()), np.int16).astype(np.float32) / 32768
        samples = samples[int(np.argmax(np.abs(samples) > 0.02)):]
        at = int(start * RATE)
        sound[at:at + samples.size] += samples[: sound.size - at]
    wav = folder / "speech.wav"
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes((sound * 32767).astype(np.int16).tobytes())
    clip = folder / "scene.mp4"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "color=c=0x404850:s=320x240:r=25:d=12",
                    "-i", str(wav), "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
                    str(clip)], check=True)
    return clip


@pytest.fixture
def window(qtbot):
    from PySide6.QtWidgets import QMessageBox

    win = MainWindow()
    qtbot.addWidget(win)
    win.projects.ask = lambda *_: QMessageBox.StandardButton.Discard
    win.show()
    return win


def _word_index(panel, text):
    return next(i for i, w in enumerate(panel.layout_.words) if w.text.strip(".,").lower() == text)


def test_transcript_panel_follows_seeks_marks_and_searches(qtbot, window, tmp_path):
    clip = speech_clip(tmp_path)
    window.import_paths([clip])
    qtbot.waitUntil(lambda: window.bin.topLevelItemCount() == 1 and window.bin.pending() == 0, timeout=30000)
    window.bin.setCurrentItem(window.bin.topLevelItem(0))
    panel = window.transcript
    qtbot.waitUntil(lambda: panel.path == clip, timeout=10000)
    assert "Transcribe" in panel.transcribe_button.text() and panel.transcribe_button.isEnabled()

    window.docks["Transcript"].raise_()
    progress = []
    job = panel.transcribe()
    job.progress.connect(lambda fraction, _message: progress.append(fraction))
    with qtbot.waitSignal(panel.transcribed, timeout=120000):
        pass
    assert progress and panel.progress.isHidden()
    text = panel.view.toPlainText().lower()
    for phrase in ("the lamp in the hallway is broken again", "after dinner", "kitchen door"):
        assert phrase in text
    assert float(window.timeline_model.rate) == 25
    # the silences between the lines (over a second each) are shown where they fall
    layout = panel.layout_
    assert len(layout.pause_spans) == 2
    marks = [layout.text[a:b] for a, b in layout.pause_spans]
    assert all(m.startswith("[") and m.endswith(" s]") and float(m[1:-3]) >= 1.0 for m in marks)
    assert layout.text.index(marks[0]) < layout.text.lower().index("i will fix")

    # the playhead inside "dinner" highlights that word
    dinner = panel.layout_.words[_word_index(panel, "dinner")]
    window.timeline_model.playhead = round((dinner.start + dinner.end) / 2 * 25)
    assert len(panel.view.extraSelections()) == 1
    start, end = panel.layout_.spans[panel.view.highlighted]
    assert panel.view.toPlainText()[start:end].strip(".,").lower() == "dinner"

    # a click on "kitchen" seeks to it: the playhead and the viewer follow
    kitchen = _word_index(panel, "kitchen")
    start, _ = panel.layout_.spans[kitchen]
    cursor = QTextCursor(panel.view.document())
    cursor.setPosition(start + 2)
    at = panel.view.cursorRect(cursor).center()
    qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(at.x(), at.y()))
    expected = round(panel.layout_.words[kitchen].start * 25)
    assert window.timeline_model.playhead == expected
    assert abs(panel.layout_.words[kitchen].start - 11.0) < 2.5  # the last line starts at 8.5 s

    # selecting "fix it after dinner" sets In at "fix" and Out at the end of "dinner"
    first, last = _word_index(panel, "fix"), _word_index(panel, "dinner")
    cursor = QTextCursor(panel.view.document())
    cursor.setPosition(panel.layout_.spans[first][0] + 1)
    cursor.setPosition(panel.layout_.spans[last][1] - 1, QTextCursor.MoveMode.KeepAnchor)
    panel.view.setTextCursor(cursor)
    end = panel.view.cursorRect(cursor).center()
    qtbot.mouseRelease(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(end.x(), end.y()))
    words = panel.layout_.words
    assert window.timeline_model.in_point == int(words[first].start * 25)
    assert window.timeline_model.out_point == math.ceil(words[last].end * 25) - 1
    assert abs(words[first].start - 4.5) < 1.2  # "I will fix": the line starts at 4.5 s

    # search across transcripts; clicking the result plays from there
    qtbot.keyClicks(panel.search_box, "the kitchen door")
    assert panel.results.count() == 1 and "scene.mp4" in panel.results.item(0).text()
    window.timeline_model.playhead = 0
    hit = panel.results.item(0)
    qtbot.mouseClick(panel.results.viewport(), Qt.MouseButton.LeftButton,
                     pos=panel.results.visualItemRect(hit).center())
    the = panel.layout_.words[_word_index(panel, "kitchen") - 1]
    assert window.timeline_model.playhead == round(the.start * 25)
    panel.search_box.clear()
    qtbot.keyClicks(panel.search_box, "zebra crossing")
    assert panel.results.item(0).text() == "No transcript says that"

    # a later session finds the transcript in the analysis cache when the clip is shown
    later = type(panel)(window.analysis.runner, window.timeline_model)
    qtbot.addWidget(later)
    with qtbot.waitSignal(later.transcribed, timeout=30000):
        later.show_clip(clip)
    assert later.view.toPlainText() == panel.view.toPlainText()
    assert later.transcribe_button.text() == "Transcribe again"
