"""The editor's work survives (issue #12): reopening, re-analysis, same-named clips, undo
across clips, redo keys, kept proposals and recovery — all through the real window."""
from __future__ import annotations

import shutil
from pathlib import Path

import opentimelineio as otio
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from desktop.main_window import MainWindow
from desktop.media_bin import PATH_ROLE
from engine.project import Project
from engine.project.identity import is_kept, timeline_kind

ANSWER = QMessageBox.StandardButton


def _window(qtbot, answer=ANSWER.Discard):
    win = MainWindow()
    qtbot.addWidget(win)
    win.projects.ask = lambda *a: answer
    win.show()
    return win


def _close(win) -> None:
    win.viewer.playback.close()
    win.analysis.shutdown()


@pytest.fixture
def window(qtbot):
    win = _window(qtbot)
    yield win
    _close(win)


def _analysed(qtbot, win, *clips, timeout=240000):
    qtbot.waitUntil(lambda: all(c in win.analyses for c in clips), timeout=timeout)


def _select(qtbot, win, clip) -> None:
    for i in range(win.bin.topLevelItemCount()):
        item = win.bin.topLevelItem(i)
        if Path(item.data(0, PATH_ROLE)) == clip:
            win.bin.clearSelection()
            win.bin.setCurrentItem(item)
            qtbot.waitUntil(lambda: win.current == clip, timeout=10000)
            return
    raise AssertionError(f"{clip} not in the bin")


def _beats(n: int, rate: float) -> list[otio.schema.Marker]:
    return [otio.schema.Marker(name=f"beat {i + 1}", marked_range=otio.opentime.TimeRange(
        otio.opentime.RationalTime(10 * i, rate), otio.opentime.RationalTime(1, rate))) for i in range(n)]


def test_reopening_and_reanalysis_keep_everything_the_editor_made(qtbot, window, media, tmp_path):
    clip = tmp_path / "footage" / "tears.mp4"
    clip.parent.mkdir()
    shutil.copy(media / "sources" / "tears_of_steel_0500.mp4", clip)
    element = tmp_path / "element.mp4"
    shutil.copy(media / "sources" / "asl_thanks.mkv", element)
    window.import_paths([clip])
    _analysed(qtbot, window, clip)
    _select(qtbot, window, clip)
    model = window.timeline_model
    qtbot.waitUntil(lambda: len(model.emotions) == len(model.shots) > 2, timeout=20000)

    # relabel shot 2, a VFX element over shot 2 on V2, 8 script beats, an editor clip marker
    model.selected_shot = 1
    window.inspector.label_choice.setCurrentText("joyful")
    window.inspector.relabel_button.click()
    start, end = model.shots[1]
    window.vfx.element_rendered.emit({"path": str(clip), "start": start, "end": end,
                                      "file": str(element), "kind": "rain"})
    window.script.markers_ready.emit(_beats(8, 24))
    breakdown = window.current_timeline()
    assert [t.name for t in breakdown.video_tracks()] == ["V1", "V2"]
    first = breakdown.video_tracks()[0].find_clips()[0]
    first.markers.append(otio.schema.Marker(name="editor note", marked_range=otio.opentime.TimeRange(
        first.source_range.start_time + otio.opentime.RationalTime(3, 24), otio.opentime.RationalTime(1, 24))))
    # a kept proposal
    proposal = otio.schema.Timeline(name="Proposal: rising")
    proposal.tracks.append(otio.schema.Track(name="V1"))
    window.proposals.proposals_ready.emit([proposal])
    window.proposals.list.setCurrentRow(0)
    window.proposals.accept_button.click()
    assert is_kept(proposal)

    saved = tmp_path / "story.moviola"
    assert window.projects.save_as(saved)
    assert not window.projects.project.dirty
    window.close()
    _close(window)

    # quit, reopen: the clip is re-analysed (from the cache) and merged, not rebuilt
    again = _window(qtbot)
    try:
        assert again.projects.open(saved)
        _analysed(qtbot, again, clip)
        qtbot.wait(300)
        project = again.projects.project
        assert not project.dirty, "opening must leave the project unmodified"
        ref = project.media[0]
        timeline = project.breakdown(ref.fingerprint)
        assert [t.name for t in timeline.video_tracks()] == ["V1", "V2"]
        v2 = [c for c in timeline.video_tracks()[1].find_clips()]
        assert len(v2) == 1 and v2[0].name == "element"
        assert [m.name for m in timeline.tracks.markers] == [f"beat {i + 1}" for i in range(8)]
        notes = [m.name for c in timeline.video_tracks()[0].find_clips() for m in c.markers]
        assert "editor note" in notes
        assert project.labels(ref.fingerprint) == {start: "joyful"}
        _select(qtbot, again, clip)
        qtbot.waitUntil(lambda: again.timeline_model.emotions.get(1) is not None, timeout=10000)
        assert again.timeline_model.emotions[1].label == "joyful"
        assert [t.name for t in again.proposals.timelines] == ["Proposal: rising"]
        assert is_kept(again.proposals.timelines[0])

        # a later proposal run never replaces the kept edit, and names stay unique
        later = otio.schema.Timeline(name="Proposal: rising")
        later.tracks.append(otio.schema.Track(name="V1"))
        again.proposals.proposals_ready.emit([later])
        names = [t.name for t in project.proposals()]
        assert names == ["Proposal: rising", "Proposal: rising (2)"]
        assert is_kept(project.proposals()[0])
        assert project.dirty
    finally:
        again.close()
        _close(again)


def test_same_named_clips_share_nothing(qtbot, window, media, tmp_path, monkeypatch):
    a, b = tmp_path / "a" / "clip.mp4", tmp_path / "b" / "clip.mp4"
    for target, source in ((a, "tears_of_steel_0500.mp4"), (b, "asl_thanks.mkv")):
        target.parent.mkdir()
        shutil.copy(media / "sources" / source, target)
    window.import_paths([a, b])
    _analysed(qtbot, window, a, b)
    project = window.projects.project
    names = sorted(t.name for t in project.timelines if timeline_kind(t) == "breakdown")
    assert names == ["clip — a/ — shots", "clip — b/ — shots"]

    _select(qtbot, window, a)
    window.script.markers_ready.emit(_beats(2, 24))
    timeline = window.current_timeline()
    fa, fb = (window.model.fingerprint_of(p) for p in (a, b))
    assert timeline is project.breakdown(fa)
    assert timeline.name == "clip — a/ — shots" and len(timeline.tracks.markers) == 2
    assert len(project.breakdown(fb).tracks.markers) == 0

    # Export writes A's breakdown at A's rate, named for A, into the project's folder
    from desktop.export_dialog import ExportDialog

    project.save(tmp_path / "p.moviola")
    dialogs = []
    monkeypatch.setattr(ExportDialog, "exec", lambda self: dialogs.append(self) or False)
    window.export_dialog()
    dialog = dialogs[0]
    assert dialog.timeline is timeline
    dialog.format.setCurrentIndex(dialog.format.findData("premiere"))
    written = dialog.export()
    assert written.parent == tmp_path and written.name == "clip — a — shots.xml"
    text = written.read_text(encoding="utf-8")
    assert "<timebase>24</timebase>" in text and "<timebase>30</timebase>" not in text


def test_undo_never_crosses_clips_and_both_redo_keys_work(qtbot, window, media):
    a, b = media / "sources" / "asl_thanks.mkv", media / "sources" / "asl_yes.mkv"
    window.import_paths([a, b])
    _analysed(qtbot, window, a, b)
    _select(qtbot, window, a)
    model = window.timeline_model
    qtbot.waitUntil(lambda: 0 in model.emotions, timeout=10000)
    before_b = None
    model.selected_shot = 0
    window.inspector.label_choice.setCurrentText("action")
    window.inspector.relabel_button.click()
    project = window.projects.project
    fa, fb = (window.model.fingerprint_of(p) for p in (a, b))
    assert set(project.labels(fa).values()) == {"action"}

    _select(qtbot, window, b)
    qtbot.waitUntil(lambda: 0 in model.emotions, timeout=10000)
    before_b = model.emotions[0].label
    window.activateWindow()
    window.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert project.labels(fa) == {} and project.labels(fb) == {}
    assert model.emotions[0].label == before_b  # B on screen is untouched
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert set(project.labels(fa).values()) == {"action"} and project.labels(fb) == {}
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert project.labels(fa) == {}
    qtbot.keyClick(window, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert set(project.labels(fa).values()) == {"action"}
    # labels survive clip switches: back on A, its shot shows the editor's label
    _select(qtbot, window, a)
    qtbot.waitUntil(lambda: model.emotions.get(0) is not None and model.emotions[0].label == "action",
                    timeout=10000)


def test_recovery_is_offered_at_launch_and_discarded_work_never_is(qtbot, media, tmp_path):
    clip = media / "sources" / "asl_yes.mkv"
    saved = tmp_path / "crash.moviola"
    project = Project()
    project.add_media(clip)
    project.save(saved)
    project.settings["note"] = "after the save"  # unsaved work, then the app dies
    project.autosave()

    first = _window(qtbot, ANSWER.Yes)
    try:
        first.projects._remember(saved)
        questions = []
        first.projects.ask = lambda title, text, buttons: questions.append(text) or ANSWER.Yes
        assert first.projects.recover_at_launch()
        assert questions and "crash.moviola" in questions[0]
        assert first.projects.project.settings["note"] == "after the save"
        assert first.projects.project.dirty
        # the editor discards it: never offered again
        first.projects.ask = lambda *a: ANSWER.Discard
        first.projects.new()
    finally:
        _close(first)
    _assert_nothing_offered(qtbot)


def test_untitled_work_is_recovered_at_launch_unless_discarded(qtbot, media, tmp_path):
    first = _window(qtbot)
    try:
        first.import_paths([media / "sources" / "asl_yes.mkv"])
        qtbot.waitUntil(lambda: len(first.projects.project.media) == 1, timeout=60000)
        autosave = first.projects.project.autosave()
        assert autosave.exists()
    finally:
        _close(first)  # killed: no save, no discard
    second = _window(qtbot, ANSWER.Yes)
    try:
        assert second.projects.recover_at_launch()
        assert len(second.projects.project.media) == 1
        second.projects.project.autosave()
        second.projects.ask = lambda *a: ANSWER.Discard
        assert second.projects.confirm_discard()
    finally:
        _close(second)
    _assert_nothing_offered(qtbot)


def _assert_nothing_offered(qtbot) -> None:
    """A new launch asks nothing: what the editor discarded is never offered."""
    win = _window(qtbot)
    try:
        asked = []
        win.projects.ask = lambda *a: asked.append(a) or ANSWER.Yes
        assert not win.projects.recover_at_launch() and asked == []
    finally:
        _close(win)


def test_a_project_named_on_the_command_line_opens_as_a_project(qtbot, media, tmp_path):
    from desktop.app import open_startup_files

    saved = tmp_path / "cli.moviola"
    project = Project()
    project.add_media(media / "sources" / "asl_yes.mkv")
    project.save(saved)
    win = _window(qtbot)
    try:
        open_startup_files(win, [saved])
        assert win.projects.project.path == saved
        assert [r.path.name for r in win.projects.project.media] == ["asl_yes.mkv"]
        assert not win.projects.project.dirty
    finally:
        _close(win)


def test_leaving_a_proposal_clears_its_lanes_and_clicking_the_clip_returns(qtbot, window, media):
    clip = media / "sources" / "asl_thanks.mkv"
    window.import_paths([clip])
    _analysed(qtbot, window, clip)
    _select(qtbot, window, clip)
    breakdown = window.current_timeline()
    proposal = breakdown.clone()
    proposal.name = "Proposal: the whole clip"
    window.proposals.proposals_ready.emit([proposal])
    window.proposals.list.setCurrentRow(0)
    model = window.timeline_model
    assert window.model.proposal is proposal and model.proposal is proposal and model.shots == []
    assert window.current_timeline() is proposal

    item = window.bin.currentItem()
    rect = window.bin.visualItemRect(item)
    qtbot.mouseClick(window.bin.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: window.model.proposal is None, timeout=5000)
    assert model.proposal is None and model.waveforms == {}
    assert model.timeline is breakdown and len(model.shots) >= 1
    assert window.current_timeline() is breakdown


def test_same_named_clips_read_apart_in_the_bin_and_the_analysis_queue(qtbot, window, media, tmp_path):
    a, b = tmp_path / "card1" / "C0001.MP4", tmp_path / "card2" / "C0001.MP4"
    for target, source in ((a, "asl_yes.mkv"), (b, "asl_thanks.mkv")):
        target.parent.mkdir()
        shutil.copy(media / "sources" / source, target)
    window.import_paths([a, b])
    qtbot.waitUntil(lambda: window.analysis.list.topLevelItemCount() == 2, timeout=60000)
    queue = sorted(window.analysis.list.topLevelItem(i).text(0) for i in range(2))
    assert queue == ["C0001.MP4 — card1/", "C0001.MP4 — card2/"]
    shown = sorted(window.bin.topLevelItem(i).text(0) for i in range(2))
    assert shown == queue


def test_file_annotate_timeline_writes_the_editors_cut_back_with_markers(qtbot, window, media, tmp_path):
    from engine.media import probe
    from engine.timeline.export import export_timeline
    from engine.timeline.importers import import_timeline
    from engine.timeline.stringout import stringout

    theirs = export_timeline(stringout([probe(media / "sources" / "asl_yes.mkv")], name="Editor's cut"),
                             tmp_path / "cut.xml", "premiere").path
    out = tmp_path / "cut.annotated.xml"
    job = window.annotate_timeline(theirs, out)
    with qtbot.waitSignal(job.finished, timeout=240000):
        pass
    qtbot.waitUntil(lambda: "Annotated" in window.statusBar().currentMessage(), timeout=5000)
    assert "1 analysed source(s)" in window.statusBar().currentMessage()
    after = import_timeline(out).timelines[0]
    assert [c.name for c in after.video_tracks()[0].find_clips()] == \
        [c.name for c in import_timeline(theirs).timelines[0].video_tracks()[0].find_clips()]
    from engine.timeline.model import clip_emotion

    emotion = clip_emotion(after.video_tracks()[0].find_clips()[0])  # the first shot's marker
    assert emotion is not None and emotion["label"]

    broken = tmp_path / "broken.xml"
    broken.write_text("<xmeml><sequence>", encoding="utf-8")
    job = window.annotate_timeline(broken)
    with qtbot.waitSignal(job.failed, timeout=60000):
        pass
    message = window.statusBar().currentMessage()
    assert message.startswith("Not annotated:") and "broken.xml" in message
