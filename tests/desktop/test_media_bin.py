"""The media bin: probes and poster frames in its worker process, clips offered for playback
only once probed, names that tell same-named files apart, and a second click on a clip."""
from __future__ import annotations

import os
import shutil

import pytest
from PySide6.QtCore import Qt

from desktop.media_bin import MediaBin


@pytest.fixture
def bin_(qtbot, qapp):
    widget = MediaBin()
    qtbot.addWidget(widget)
    widget.resize(700, 300)
    widget.show()
    yield widget
    widget.shutdown()


def _row(bin_, name_start: str):
    for i in range(bin_.topLevelItemCount()):
        if bin_.topLevelItem(i).text(0).startswith(name_start):
            return bin_.topLevelItem(i)
    raise AssertionError(f"no row {name_start!r}")


def _click(qtbot, bin_, item) -> None:
    qtbot.mouseClick(bin_.viewport(), Qt.MouseButton.LeftButton,
                     pos=bin_.visualItemRect(item).center())


def test_import_probes_in_the_worker_and_reports_each_file(qtbot, bin_, media):
    imported, failed = [], []
    bin_.imported.connect(lambda path, info: imported.append(path.name))
    bin_.failed.connect(lambda path, message: failed.append(message))
    clip = media / "sources" / "tears_of_steel_0500.mp4"
    added = bin_.import_paths([clip, media / "bad" / "random_bytes.mp4", media / "bad" / "audio_only.m4a"])
    assert len(added) == 3 and bin_.pending() == 3
    assert bin_.import_paths([clip]) == []  # already listed
    qtbot.waitUntil(lambda: bin_.pending() == 0, timeout=60000)
    assert sorted(imported) == ["audio_only.m4a", "tears_of_steel_0500.mp4"]
    assert failed == ["random_bytes.mp4: not a recognised media container"]
    assert bin_.runner.worker_pid() not in (None, os.getpid())  # never in the GUI process
    row = _row(bin_, "tears_of_steel_0500.mp4")
    assert row.text(2) == "640x360" and not row.icon(0).isNull()  # probe data and poster
    assert bin_.info(clip).video.frame_count > 0
    assert "not a recognised media container" in _row(bin_, "random_bytes.mp4").text(1)


def test_a_clip_is_offered_for_playback_only_once_its_probe_passed(qtbot, bin_, media):
    offered, problems = [], []
    bin_.clip_selected.connect(lambda path, info: offered.append(path.name))
    bin_.problem_selected.connect(lambda path, message: problems.append(message))
    bin_.import_paths([media / "sources" / "tears_of_steel_0500.mp4", media / "bad" / "random_bytes.mp4"])
    bin_.setCurrentItem(_row(bin_, "tears_of_steel"))  # selected while still probing
    assert offered == []
    qtbot.waitUntil(lambda: offered == ["tears_of_steel_0500.mp4"], timeout=60000)
    qtbot.waitUntil(lambda: bin_.pending() == 0, timeout=60000)
    bin_.setCurrentItem(_row(bin_, "random_bytes"))
    assert offered == ["tears_of_steel_0500.mp4"]
    assert problems == ["random_bytes.mp4: not a recognised media container"]


def test_clicking_the_selected_clip_again_offers_it_again(qtbot, bin_, media):
    offered = []
    bin_.clip_selected.connect(lambda path, info: offered.append(path.name))
    bin_.import_paths([media / "sources" / "tears_of_steel_0500.mp4",
                       media / "sources" / "caminandes_llama_drama.mp4"])
    qtbot.waitUntil(lambda: bin_.pending() == 0, timeout=60000)
    first = _row(bin_, "tears_of_steel")
    _click(qtbot, bin_, first)
    assert offered == ["tears_of_steel_0500.mp4"]  # once, not twice, for a new selection
    _click(qtbot, bin_, first)  # the window may be showing a proposal: back to the clip
    assert offered == ["tears_of_steel_0500.mp4"] * 2
    _click(qtbot, bin_, _row(bin_, "caminandes"))
    assert offered[-1] == "caminandes_llama_drama.mp4" and len(offered) == 3


def test_same_named_files_are_told_apart(qtbot, bin_, media, tmp_path):
    source = media / "sources" / "tears_of_steel_0500.mp4"
    for card in ("A001", "B001"):
        (tmp_path / card).mkdir()
        shutil.copyfile(source, tmp_path / card / "C0001.mp4")
    bin_.import_paths([tmp_path / "A001" / "C0001.mp4"])
    assert bin_.topLevelItem(0).text(0) == "C0001.mp4"
    bin_.import_paths([tmp_path / "B001" / "C0001.mp4"])
    assert [bin_.topLevelItem(i).text(0) for i in range(2)] == ["C0001.mp4 — A001/", "C0001.mp4 — B001/"]
    qtbot.waitUntil(lambda: bin_.pending() == 0, timeout=60000)
    # the probe's columns arrive later and leave the names alone
    assert [bin_.topLevelItem(i).text(0) for i in range(2)] == ["C0001.mp4 — A001/", "C0001.mp4 — B001/"]
    bin_.show_offline(tmp_path / "C001" / "C0001.mp4")
    assert bin_.topLevelItem(2).text(0) == "C0001.mp4 — C001/"


def test_clear_cancels_probes_still_queued(qtbot, bin_, media):
    bin_.import_paths([media / "sources"])
    assert bin_.pending() > 3
    bin_.clear_clips()
    assert bin_.pending() == 0 and bin_.topLevelItemCount() == 0
    assert bin_.runner.busy() <= 1  # the queued probes are gone; at most the one under way
