"""Issue #12, "one of each": one relinker and one file-URL module for projects and imports."""
from __future__ import annotations

import shutil
from pathlib import Path

import opentimelineio as otio
import pytest

from engine.cache.fingerprint import fingerprint
from engine.project import Project
from engine.project.media_refs import find_media, retarget_timelines
from engine.timeline.importers import import_timeline
from engine.timeline.urls import path_to_url, url_to_path

REPO = Path(__file__).resolve().parents[2]


def _otio_with(tmp_path: Path, stated: str, key: str | None) -> Path:
    clip = otio.schema.Clip(name="shot", source_range=otio.opentime.TimeRange(
        otio.opentime.RationalTime(0, 24), otio.opentime.RationalTime(24, 24)))
    clip.media_reference = otio.schema.ExternalReference(target_url=path_to_url(stated, host=""))
    if key is not None:
        clip.media_reference.metadata["moviola"] = {"fingerprint": key}
    timeline = otio.schema.Timeline(name="cut")
    timeline.tracks.append(otio.schema.Track(name="V1", children=[clip]))
    path = tmp_path / "cut.otio"
    otio.adapters.write_to_file(timeline, str(path))
    return path


@pytest.fixture
def clips(media, tmp_path):
    """The real clip's fingerprint, and a search folder holding another clip of the same name."""
    key = fingerprint(media / "sources" / "asl_thanks.mkv")
    archive = tmp_path / "archive" / "day 1"
    archive.mkdir(parents=True)
    shutil.copy(media / "sources" / "asl_help.mkv", archive / "thanks ✓.mkv")  # same name, other content
    return key, tmp_path / "archive"


def test_import_refuses_a_same_named_file_with_other_content(clips, tmp_path):
    key, archive = clips
    result = import_timeline(_otio_with(tmp_path, "/gone/thanks ✓.mkv", key), search_paths=[archive])
    assert result.relinked == [] and result.missing == ["/gone/thanks ✓.mkv"]


def test_import_takes_the_same_named_file_when_its_content_matches(clips, tmp_path, media):
    key, archive = clips
    right = archive / "day 2" / "thanks ✓.mkv"
    right.parent.mkdir()
    shutil.copy(media / "sources" / "asl_thanks.mkv", right)
    result = import_timeline(_otio_with(tmp_path, "/gone/thanks ✓.mkv", key), search_paths=[archive])
    assert result.relinked == [("/gone/thanks ✓.mkv", str(right.resolve()))]
    assert result.timelines[0].find_clips()[0].media_reference.target_url == right.resolve().as_uri()


def test_import_without_a_fingerprint_still_relinks_by_name(clips, tmp_path):
    _key, archive = clips
    result = import_timeline(_otio_with(tmp_path, "/gone/thanks ✓.mkv", None), search_paths=[archive])
    assert [new for _old, new in result.relinked] == [str((archive / "day 1" / "thanks ✓.mkv").resolve())]


def test_project_refuses_a_same_named_file_with_other_content(clips, tmp_path, media):
    _key, archive = clips
    folder = tmp_path / "show"
    folder.mkdir()
    clip = Path(shutil.copy(media / "sources" / "asl_thanks.mkv", folder / "thanks ✓.mkv"))
    project = Project()
    project.add_media(clip)
    project.save(folder / "cut.moviola")
    clip.unlink()
    loaded = Project.load(folder / "cut.moviola", search_paths=[archive])
    assert [ref.name for ref in loaded.link_report.missing] == ["thanks ✓.mkv"]
    assert loaded.link_report.relinked == []


def test_one_relinker_checks_size_then_fingerprint(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    (a / "x.mov").write_bytes(b"one")
    (b / "x.mov").write_bytes(b"two")
    key = fingerprint(b / "x.mov")
    assert find_media("/old/x.mov", key, 3, folders=[(a, True), (b, True)]) == b / "x.mov"
    assert find_media("/old/x.mov", key, 4, folders=[(a, True), (b, True)]) is None
    assert find_media("C:\\old\\x.mov", None, folders=[(a, False)]) == a / "x.mov"  # Windows project
    assert find_media("/old/" + "y" * 5000, None, near=[Path("/" + "y" * 5000)], folders=[(a, True)]) is None
    assert find_media("/old/x\x00.mov", None, near=[Path("/old/x\x00.mov")], folders=[(a, True)]) is None


@pytest.mark.parametrize("path", ["/Media/clip one.mov", "/Média/映画 ✓ #1%.mov", "C:/Media/clip one.mov"])
def test_retargeting_writes_urls_through_the_url_module(path):
    timeline = otio.schema.Timeline()
    clip = otio.schema.Clip(media_reference=otio.schema.ExternalReference(target_url=path_to_url(path, host="")))
    timeline.tracks.append(otio.schema.Track(children=[clip]))
    new = "/New disk/clip ✓ 50%.mov"
    assert retarget_timelines([timeline], Path(url_to_path(clip.media_reference.target_url)), Path(new)) == 1
    url = timeline.find_clips()[0].media_reference.target_url
    assert url == path_to_url(new, host="") == Path(new).as_uri() and url_to_path(url) == new


def test_windows_drive_letter_urls():
    assert url_to_path("file:///C:/Media/clip%20one.mov") == "C:/Media/clip one.mov"
    assert url_to_path("file://localhost/C%3a/Media/x.mov") == "C:/Media/x.mov"
    assert path_to_url("C:\\Media\\clip one.mov", host="") == "file:///C:/Media/clip%20one.mov"


def test_no_module_converts_file_urls_on_its_own():
    offenders = []
    for folder in ("engine/project", "engine/timeline"):
        for path in (REPO / folder).glob("*.py"):
            if path.name == "urls.py":
                continue
            text = path.read_text(encoding="utf-8")
            offenders += [f"{path.name}: {needle}" for needle in ("url2pathname", "unquote", "as_uri()", "urlparse")
                          if needle in text]
    assert offenders == []
