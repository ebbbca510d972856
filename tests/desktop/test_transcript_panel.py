"""The transcript panel in the real main window: transcribe a clip with speech as a stage of
the analysis queue (in the worker process), follow the playhead, click a word to seek, select
words to mark In/Out, search; add selections to a Selects timeline and tighten it."""
from __future__ import annotations

import math
import shutil
import subprocess

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QTextCursor

from desktop.main_window import MainWindow
from tests.speech import spoken_scene

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None or shutil.which("ffmpeg") is None,
                                reason="espeak-ng and ffmpeg are needed (make system-deps)")
LINES = [(0.5, "The lamp in the hallway is broken again."),
         (4.5, "I will fix it after dinner, I promise."),
         (8.5, "You said that last week about the kitchen door.")]


def speech_clip(folder):
    """A 12 s, 25 fps video whose sound says LINES at their times (espeak-ng)."""
    wav = spoken_scene(((start, "en-us", text) for start, text in LINES), 12, folder / "speech.wav")
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
    found = [i for i, w in enumerate(panel.layout_.words) if w.text.strip(".,").lower() == text]
    assert found, f"no “{text}” in {panel.layout_.text!r}"
    return found[0]


def _import_speech(qtbot, window, folder):
    """Import the speech clip through the bin and select it; (clip, the transcript panel)."""
    clip = speech_clip(folder)
    window.import_paths([clip])
    qtbot.waitUntil(lambda: window.bin.topLevelItemCount() == 1 and window.bin.pending() == 0, timeout=30000)
    window.bin.setCurrentItem(window.bin.topLevelItem(0))
    qtbot.waitUntil(lambda: window.transcript.path == clip, timeout=10000)
    return clip, window.transcript


def test_transcript_panel_follows_seeks_marks_and_searches(qtbot, window, tmp_path):
    clip, panel = _import_speech(qtbot, window, tmp_path)
    assert "Transcribe" in panel.transcribe_button.text() and panel.transcribe_button.isEnabled()

    window.docks["Transcript"].raise_()
    progress, rows = [], []
    queue = window.analysis
    queue.transcript_progress.connect(lambda path, fraction, _message: progress.append(fraction))
    queue.transcript_progress.connect(lambda path, *_: rows.append(queue.status(path)))
    assert panel.transcribe()
    with qtbot.waitSignal(panel.transcribed, timeout=120000):
        pass
    assert progress and panel.progress.isHidden()
    # the analysis queue ran it as a stage of the clip's row, after the shots and emotion
    assert queue.stages(clip)[-1] == "transcript"
    assert rows and all(r.startswith("transcribing: ") for r in rows)
    qtbot.waitUntil(lambda: queue.active() == 0, timeout=120000)
    assert queue.status(clip).startswith("done") and "words" in queue.status(clip)
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
    later = type(panel)(window.analysis, window.timeline_model)
    qtbot.addWidget(later)
    with qtbot.waitSignal(later.transcribed, timeout=30000):
        later.show_clip(clip)
    assert later.view.toPlainText() == panel.view.toPlainText()
    assert later.transcribe_button.text() == "Transcribe again"


def _select(qtbot, panel, first, last):
    """Drag-select from word `first` to word `last` in the panel, as the mouse does."""
    cursor = QTextCursor(panel.view.document())
    cursor.setPosition(panel.layout_.spans[first][0] + 1)
    cursor.setPosition(panel.layout_.spans[last][1] - 1, QTextCursor.MoveMode.KeepAnchor)
    panel.view.setTextCursor(cursor)
    end = panel.view.cursorRect(cursor).center()
    qtbot.mouseRelease(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(end.x(), end.y()))


def _clips(timeline):
    import opentimelineio as otio

    video = next(t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Video)
    audio = next(t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Audio)
    return ([(c.source_range.start_time.value, c.source_range.duration.value) for c in video],
            [(c.source_range.start_time.value, c.source_range.duration.value) for c in audio])


def test_selection_goes_to_selects_and_pauses_come_out(qtbot, window, tmp_path):
    from engine.project import Project
    from engine.transcript.selects import clip_words, find_selects

    clip, panel = _import_speech(qtbot, window, tmp_path)
    window.docks["Transcript"].raise_()
    assert not panel.add_button.isEnabled()
    with qtbot.waitSignal(panel.transcribed, timeout=120000):
        window.transcribe_action.trigger()  # Analysis ▸ Transcribe Selected Clips
    assert "transcript" in window.analysis.stages(clip)

    # the second line and the start of the third, across the pause between them: one clip
    # (chosen by time, not by text: tiny.en's words for espeak vary a little from run to run)
    words = panel.layout_.words
    line1 = [w for w in words if w.start < 4.0]
    line2 = [w for w in words if 4.0 <= w.start < 8.0]
    line3 = [w for w in words if w.start >= 8.0]
    assert len(line1) >= 4 and len(line2) >= 4 and len(line3) >= 4, panel.layout_.text
    first, last = words.index(line2[0]), words.index(line3[3])
    _select(qtbot, panel, first, last)
    assert panel.add_button.isEnabled()
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    selects = find_selects(window.model.project)
    assert selects is not None and selects.name == "Selects"
    video, audio = _clips(selects)
    assert video == audio and len(video) == 1
    assert video[0][0] == math.floor(words[first].start * 25)
    assert video[0][0] + video[0][1] == math.ceil(words[last].end * 25)
    assert f"Added “{line2[0].text}" in panel.status.text() and "Selects" in panel.status.text()
    # a second selection goes after the first
    _select(qtbot, panel, words.index(line1[1]), words.index(line1[-2]))
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    assert len(_clips(selects)[0]) == 2

    # the pause between "promise." and "You" (about 1.5 s of silence) comes out in one action
    before = sum(d for _, d in _clips(selects)[0])
    qtbot.mouseClick(panel.tighten_button, Qt.MouseButton.LeftButton)
    video, audio = _clips(selects)
    assert video == audio and len(video) == 3
    gap = line3[0].start - line2[-1].end
    assert gap >= 1.0
    removed = before - sum(d for _, d in video)
    assert abs(removed / 25 - (gap - 0.24)) < 0.12  # the pause less a 0.12 s handle each side
    said = [" ".join(w.text for w in clip_words(c)) for c in selects.tracks[0]]
    assert said == [" ".join(w.text for w in line2), " ".join(w.text for w in line3[:4]),
                    " ".join(w.text for w in line1[1:-1])]
    assert "Removed 1." in panel.status.text()
    # nothing left to take out: said so, nothing changes
    qtbot.mouseClick(panel.tighten_button, Qt.MouseButton.LeftButton)
    assert panel.status.text() == "Not done: “Selects” has no filler word and no pause of 1 s or more"
    assert len(_clips(selects)[0]) == 3

    # Ctrl+Z puts the pause back; redo takes it out again
    window.undo_stack.undo()
    assert len(_clips(selects)[0]) == 2
    window.undo_stack.redo()
    tightened = _clips(selects)
    assert len(tightened[0]) == 3

    # exported, the Selects carry their words: lines as clip markers, captions beside the file
    from desktop.export_dialog import ExportDialog
    dialog = ExportDialog(selects, tmp_path, window)
    dialog.format.setCurrentIndex(dialog.format.findData("otio"))
    exported = dialog.export()
    assert dialog.captions_path == exported.with_suffix(".srt")
    srt = dialog.captions_path.read_text()
    assert srt.startswith("1\n00:00:00,0") and f"\n{said[0]}\n" in srt
    assert f"\n{said[2]}\n" in srt  # the last clip's own cue: none spans a cut
    import opentimelineio as otio
    back = otio.adapters.read_from_file(str(exported))
    for piece in back.video_tracks()[0].find_clips():
        lines = [m for m in piece.markers if m.metadata["moviola"]["kind"] == "transcript"]
        assert lines and all(piece.source_range.contains(m.marked_range.start_time) for m in lines)
    names = [m.name for c in back.video_tracks()[0].find_clips() for m in c.markers]
    assert said[0] in names and said[2] in names
    assert not any(c.markers for c in selects.tracks[0])  # the project's timeline is left as it was

    # saved with the project and reopened intact, words and all
    saved = tmp_path / "selects.moviola"
    assert window.projects.save_as(saved)
    again = find_selects(Project.load(saved))
    assert again is not None and _clips(again) == tightened
    assert [" ".join(w.text for w in clip_words(c)) for c in again.tracks[0]] == said

    # undoing every edit removes the timeline the first one made
    while window.undo_stack.canUndo():
        window.undo_stack.undo()
    assert find_selects(window.model.project) is None
    # and opening the saved project in the app brings it back, ready to play
    assert window.projects.open(saved)
    reopened = find_selects(window.model.project)
    assert reopened is not None and _clips(reopened) == tightened
