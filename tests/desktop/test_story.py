"""The editor's story end to end: import, analysis in the background, shots in the timeline,
a shot in the inspector, playback, export for Premiere."""
from __future__ import annotations

import pytest
from lxml import etree
from PySide6.QtWidgets import QMessageBox

from desktop.export_dialog import ExportDialog
from desktop.main_window import MainWindow


@pytest.fixture
def window(qtbot):
    win = MainWindow()
    qtbot.addWidget(win)
    win.projects.ask = lambda *a: QMessageBox.StandardButton.Discard
    win.show()
    yield win
    win.viewer.playback.close()
    win.analysis.shutdown()


def test_import_analyse_inspect_play_export(qtbot, window, media, tmp_path):
    clip = media / "sources" / "tears_of_steel_0500.mp4"
    window.import_paths([clip])
    qtbot.waitUntil(lambda: clip in window.analyses, timeout=180000)
    model = window.timeline_model
    qtbot.waitUntil(lambda: len(model.shots) >= 3, timeout=10000)
    # the source's documented cuts are at frames 21, 65 and 185
    starts = [start for start, _ in model.shots]
    for cut in (21, 65, 185):
        assert any(abs(cut - s) <= 2 for s in starts), starts

    model.selected_shot = 2
    assert window.inspector.fields["Shot"].text() == f"3 of {len(model.shots)}"
    assert window.inspector.fields["In"].text().endswith(f"(frame {model.shots[2][0]})")

    model.playhead = 100  # scrubbing the timeline moves the viewer
    qtbot.waitUntil(lambda: window.viewer.playback.position == 100, timeout=5000)

    dialog = ExportDialog(window.current_timeline(), tmp_path, window)
    dialog.format.setCurrentIndex(dialog.format.findData("premiere"))
    written = dialog.export()
    root = etree.parse(str(written)).getroot()
    assert root.tag == "xmeml" and root.get("version") == "4"
    assert len(root.findall(".//video/track/clipitem")) == len(model.shots)


def test_scored_shots_explain_themselves_and_take_a_label(qtbot, window, media):
    clip = media / "sources" / "asl_book.mkv"
    window.import_paths([clip])
    qtbot.waitUntil(lambda: clip in window.analyses, timeout=180000)
    model = window.timeline_model
    qtbot.waitUntil(lambda: len(model.emotions) == len(model.shots) > 0, timeout=10000)
    assert model.arousal is not None and len(model.arousal) == model.length
    model.selected_shot = 0
    from engine.affect.labels import LABELS

    assert window.inspector.fields["Emotion"].text().split(" ")[0] in LABELS
    assert "→" in window.inspector.fields["Why"].text()  # features named, with their push
    window.inspector.label_choice.setCurrentText("tense")
    window.inspector.relabel_button.click()
    assert model.emotions[0].label == "tense"
    before = window.undo_stack.undoText()
    window.undo_stack.undo()
    assert model.emotions[0].label != "tense" and before == "Relabel shot 1 as tense"
    window.undo_stack.redo()
    assert model.emotions[0].label == "tense"
    qtbot.waitUntil(lambda: "label" in window.statusBar().currentMessage(), timeout=60000)


def test_propose_play_and_export_an_edit(qtbot, window, media, tmp_path):
    clips = [media / "sources" / "tears_of_steel_0500.mp4", media / "sources" / "asl_book.mkv"]
    window.import_paths(clips)
    qtbot.waitUntil(lambda: all(c in window.analyses for c in clips), timeout=240000)
    window.proposals.duration.setValue(6)
    window.proposals.arc.setCurrentText("custom")
    window.proposals.custom_arc.setText("0:0.1, 1:0.9")  # a rising arc, drawn by hand
    window.proposals.pace.setValue(1.5)
    assert window.proposals.arc_spec() == "0:0.1,1:0.9"
    window.proposals.generate_button.click()
    qtbot.waitUntil(lambda: len(window.proposals.timelines) == 3, timeout=120000)
    chosen = window.proposals.timelines[0]
    assert window.undo_stack.undoText() == "Add proposals"
    assert window.timeline_model.proposal is chosen
    lines = window.proposals.plot.axes.get_lines()  # target vs achieved arc, drawn
    assert [line.get_label() for line in lines] == ["target arc", "this edit"]
    assert chosen in list(window.projects.project.timelines)
    playlist = window.viewer.playback.playlist
    assert playlist.length == round(chosen.video_tracks()[0].duration().to_seconds() * float(playlist.rate))
    assert {s.path for s in playlist.segments} <= set(clips)
    qtbot.waitUntil(lambda: "A1" in window.timeline_model.waveforms, timeout=30000)
    assert len(window.timeline_model.waveforms["A1"]) == playlist.length
    dialog = ExportDialog(chosen, tmp_path, window)
    dialog.format.setCurrentIndex(dialog.format.findData("resolve"))
    written = dialog.export()
    assert etree.parse(str(written)).getroot().tag == "fcpxml"
    window.proposals.list.setCurrentRow(1)
    window.proposals.reject_button.click()  # reviews teach the taste model
    qtbot.waitUntil(lambda: "rejected ranges" in window.proposals.explanation.toPlainText(), timeout=120000)
    window.proposals.list.setCurrentRow(0)
    window.proposals.accept_button.click()
    qtbot.waitUntil(lambda: "kept ranges" in window.proposals.explanation.toPlainText(), timeout=120000)
    window.proposals.list.setCurrentRow(2)  # plays the third proposal
    window.proposals.trim_button.click()  # no marks yet: says what to do
    assert "Mark In and Out" in window.proposals.explanation.toPlainText()
    playback = window.viewer.playback
    playback.seek(10)
    playback.mark_in()
    playback.seek(60)
    playback.mark_out()
    window.proposals.trim_button.click()
    qtbot.waitUntil(lambda: "kept ranges" in window.proposals.explanation.toPlainText(), timeout=120000)


def _click_track(path, seconds=12, bpm=120, rate=22050):
    import wave

    import numpy as np
    t = np.arange(int(seconds * rate)) / rate
    clicks = np.zeros_like(t)
    for beat in np.arange(0, seconds, 60 / bpm):
        i = int(beat * rate)
        clicks[i:i + 400] = np.sin(2 * np.pi * 1000 * t[:400]) * np.hanning(400)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((clicks * 20000).astype("<i2").tobytes())
    return path


def test_music_gets_its_own_lane_with_a_waveform(qtbot, window, media, tmp_path):
    clips = [media / "sources" / "tears_of_steel_0500.mp4", media / "sources" / "asl_book.mkv"]
    window.import_paths(clips)
    qtbot.waitUntil(lambda: all(c in window.analyses for c in clips), timeout=240000)
    window.proposals.duration.setValue(6)
    window.proposals.music.setText(str(_click_track(tmp_path / "click.wav")))
    window.proposals.generate_button.click()
    qtbot.waitUntil(lambda: len(window.proposals.timelines) == 3, timeout=120000)
    qtbot.waitUntil(lambda: "A2" in window.timeline_model.waveforms, timeout=30000)
    assert window.timeline_model.waveforms["A2"].max() > 0.1  # the clicks
