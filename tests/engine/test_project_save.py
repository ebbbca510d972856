"""Atomic saves, autosave and crash recovery."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from engine.project import Autosaver, Project, ProjectError, autosave_path_for
from engine.settings import config_dir
from tests.engine.test_project_file import make_timeline


@pytest.fixture
def clip(media, tmp_path) -> Path:
    return Path(shutil.copy(media / "sources" / "asl_thanks.mkv", tmp_path / "thanks.mkv"))


def _saved(tmp_path, clip) -> Project:
    project = Project()
    project.add_media(clip)
    project.timelines.append(make_timeline(clip, "v1"))
    project.save(tmp_path / "cut.moviola")
    return project


def test_save_is_atomic_when_the_rename_fails(tmp_path, clip, monkeypatch):
    project = _saved(tmp_path, clip)
    path = project.path
    before = path.read_bytes()
    project.timelines.append(make_timeline(clip, "v2"))

    def crash(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(ProjectError, match="cannot save.*No space left"):
        project.save()
    monkeypatch.undo()

    assert path.read_bytes() == before  # previous file intact...
    assert [t.name for t in Project.load(path).timelines] == ["v1"]  # ...and readable
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut.moviola", "thanks.mkv"]  # no temp left
    assert project.dirty  # the change is still unsaved


def test_save_fsyncs_file_and_folder(tmp_path, clip, monkeypatch):
    project = _saved(tmp_path, clip)
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    project.mark_dirty()
    project.save()
    assert len(synced) == (2 if os.name != "nt" else 1)


def test_save_keeps_permissions(tmp_path, clip):
    if os.name == "nt":
        pytest.skip("POSIX permissions")
    project = _saved(tmp_path, clip)
    project.path.chmod(0o640)
    project.mark_dirty()
    project.save()
    assert project.path.stat().st_mode & 0o777 == 0o640


def test_autosave_beside_the_project_and_recovery(tmp_path, clip):
    project = _saved(tmp_path, clip)
    assert not Project.recoverable(project.path)
    project.timelines.append(make_timeline(clip, "unsaved work"))
    autosave = project.autosave()
    assert autosave == tmp_path / "cut.moviola.autosave" == autosave_path_for(project.path)
    assert project.dirty
    os.utime(project.path, ns=(1, 1))  # make "newer" unambiguous on coarse clocks
    assert Project.recoverable(project.path)

    # The app crashed. On reopening, the editor accepts the recovery.
    plain = Project.load(project.path)
    assert [t.name for t in plain.timelines] == ["v1"]
    recovered = Project.load(project.path, prefer_autosave=True)
    assert [t.name for t in recovered.timelines] == ["v1", "unsaved work"]
    assert recovered.path == project.path and recovered.dirty

    # Saving cleanly removes the autosave.
    recovered.save()
    assert not autosave.exists()
    assert not Project.recoverable(project.path)
    assert [t.name for t in Project.load(project.path).timelines] == ["v1", "unsaved work"]


def test_older_autosave_is_not_offered(tmp_path, clip):
    project = _saved(tmp_path, clip)
    project.mark_dirty()
    autosave = project.autosave()
    os.utime(autosave, ns=(1, 1))
    assert not Project.recoverable(project.path)
    loaded = Project.load(project.path, prefer_autosave=True)
    assert not loaded.dirty


def test_autosave_of_a_moved_project_follows_the_folder(tmp_path, clip):
    folder = tmp_path / "show"
    folder.mkdir()
    project = _saved(folder, clip)
    project.mark_dirty()
    project.autosave()
    shutil.move(folder, tmp_path / "moved")
    opened = Project.load(tmp_path / "moved" / "cut.moviola.autosave")
    assert opened.path == tmp_path / "moved" / "cut.moviola"
    assert opened.dirty


def test_untitled_project_autosaves_in_config_dir(tmp_path, clip):
    project = Project()
    project.add_media(clip)
    first = project.autosave()
    assert first.parent == config_dir() / "autosave"
    assert project.autosave() == first  # same file each time
    assert first in Project.untitled_autosaves()

    recovered = Project.load(first)
    assert recovered.path is None and recovered.dirty
    assert [m.path for m in recovered.media] == [clip]
    assert recovered.autosave() == first  # keeps writing over the file it came from
    recovered.save(tmp_path / "named.moviola")
    assert not first.exists()
    assert first not in Project.untitled_autosaves()


def test_discard_autosave(tmp_path, clip):
    project = _saved(tmp_path, clip)
    project.mark_dirty()
    project.autosave()
    os.utime(project.path, ns=(1, 1))
    Project.discard_autosave(project.path)
    assert not Project.recoverable(project.path)


def test_autosave_file_is_a_valid_project_document(tmp_path, clip):
    project = _saved(tmp_path, clip)
    project.mark_dirty()
    doc = json.loads(project.autosave().read_text(encoding="utf-8"))
    assert doc["schema"] == "moviola.project"
    assert doc["autosave_of"] == str(project.path)
    assert doc["media"][0]["relative_path"] == "thanks.mkv"


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_autosaver_saves_when_dirty_and_due(tmp_path, clip):
    project = _saved(tmp_path, clip)
    clock = FakeClock()
    saver = Autosaver(project, interval=60, clock=clock)
    autosave = autosave_path_for(project.path)

    clock.now += 600
    assert saver.maybe_autosave() is None  # clean: nothing to protect
    project.mark_dirty()
    assert saver.maybe_autosave(now=clock.now) == autosave
    assert saver.maybe_autosave(now=clock.now + 120) is None  # no change since
    project.mark_dirty()
    assert saver.maybe_autosave(now=clock.now + 30) is None  # too soon
    assert saver.maybe_autosave(now=clock.now + 61) == autosave
    project.save()
    assert not autosave.exists()
    assert saver.maybe_autosave(now=clock.now + 1000) is None


def test_autosaver_failure_is_logged_not_raised(tmp_path, clip, monkeypatch, caplog):
    project = _saved(tmp_path, clip)
    project.mark_dirty()
    saver = Autosaver(project, interval=0)

    def crash(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", crash)
    assert saver.maybe_autosave() is None
    assert isinstance(saver.last_error, ProjectError)
    assert "autosave failed" in caplog.text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut.moviola", "thanks.mkv"]
