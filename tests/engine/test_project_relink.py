"""Finding media again when a project folder moves, and reporting what stays missing."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.project import Project
from tests.engine.test_project_file import make_timeline


@pytest.fixture
def show(media, tmp_path) -> Path:
    """A saved project folder: cut.moviola + media/thanks.mkv + a media file outside it."""
    folder = tmp_path / "old place" / "show"
    (folder / "media").mkdir(parents=True)
    inside = Path(shutil.copy(media / "sources" / "asl_thanks.mkv", folder / "media" / "thanks.mkv"))
    outside_dir = tmp_path / "library"
    outside_dir.mkdir()
    outside = Path(shutil.copy(media / "sources" / "asl_yes.mkv", outside_dir / "yes ✓.mkv"))
    project = Project()
    project.add_media(inside)
    project.add_media(outside)
    project.timelines.append(make_timeline(inside))
    project.save(folder / "cut.moviola")
    return folder


def test_project_opens_in_place(show):
    project = Project.load(show / "cut.moviola")
    assert not project.link_report.missing and not project.link_report.changed
    assert not project.dirty


def test_moved_folder_relinks_by_relative_path(show, tmp_path):
    moved = tmp_path / "new disk" / "show"
    shutil.move(show, moved)
    project = Project.load(moved / "cut.moviola", search_paths=[tmp_path / "library"])
    inside = moved / "media" / "thanks.mkv"
    assert [m.path for m in project.media] == [inside, tmp_path / "library" / "yes ✓.mkv"]
    assert [(old.name, new.path) for old, new in project.link_report.relinked] == [("thanks.mkv", inside)]
    assert not project.link_report.missing
    assert project.dirty  # new paths are worth saving
    # The timeline follows the media, so exports stay online.
    assert project.timelines[0].find_clips()[0].media_reference.target_url == inside.as_uri()


def test_relative_copy_is_preferred_over_the_original(show, tmp_path):
    copy = tmp_path / "copy" / "show"
    shutil.copytree(show, copy)  # the original still exists at its absolute path
    project = Project.load(copy / "cut.moviola")
    assert project.media[0].path == copy / "media" / "thanks.mkv"


def test_search_folders_find_media_by_name(show, tmp_path, media):
    moved = tmp_path / "elsewhere"
    shutil.move(show, moved)
    (moved / "media" / "thanks.mkv").unlink()  # gone from the project folder...
    shutil.move(tmp_path / "library", tmp_path / "archive")
    deep = tmp_path / "archive" / "2024" / "day1"
    deep.mkdir(parents=True)
    shutil.copy(media / "sources" / "asl_thanks.mkv", deep / "thanks.mkv")  # ...but archived
    # A different clip with the same name must not be taken for it.
    decoy = tmp_path / "archive" / "thanks.mkv"
    shutil.copy(media / "sources" / "asl_help.mkv", decoy)

    project = Project.load(moved / "cut.moviola", search_paths=[tmp_path / "archive"])
    assert [m.path for m in project.media] == [deep / "thanks.mkv", tmp_path / "archive" / "yes ✓.mkv"]
    assert not project.link_report.missing


def test_missing_media_are_reported_not_fatal(show, tmp_path, media):
    moved = tmp_path / "elsewhere"
    shutil.move(show, moved)
    (moved / "media" / "thanks.mkv").unlink()
    shutil.rmtree(tmp_path / "library")
    project = Project.load(moved / "cut.moviola")
    assert [m.name for m in project.link_report.missing] == ["thanks.mkv", "yes ✓.mkv"]
    assert len(project.media) == 2  # still listed, with their last known paths
    assert len(project.timelines) == 1
    assert not project.dirty

    # The editor points at a folder later: relink what is still missing.
    found = tmp_path / "found"
    found.mkdir()
    shutil.copy(media / "sources" / "asl_yes.mkv", found / "yes ✓.mkv")
    report = project.relink([found])
    assert [new.path for _old, new in report.relinked] == [found / "yes ✓.mkv"]
    assert [m.name for m in project.link_report.missing] == ["thanks.mkv"]
    assert project.dirty


def test_media_changed_in_place_is_linked_and_reported(show):
    clip = show / "media" / "thanks.mkv"
    clip.chmod(0o644)
    with open(clip, "ab") as f:
        f.write(b"re-rendered")
    project = Project.load(show / "cut.moviola")
    assert [m.path for m in project.link_report.modified] == [clip]
    assert project.media[0].size == clip.stat().st_size
    assert not project.link_report.missing
