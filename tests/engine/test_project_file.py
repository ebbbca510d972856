"""The .moviola file: round trips, the model's events, and refusing bad files clearly."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import opentimelineio as otio
import pytest

from engine.project import Project, ProjectError
from engine.project.fileformat import SCHEMA, VERSION


def make_timeline(media_path: Path, name: str = "Proposal 1") -> otio.schema.Timeline:
    """A one-clip timeline with a marker and metadata, as the edit engine would build it."""
    rate = 24000 / 1001
    timeline = otio.schema.Timeline(name=name, global_start_time=otio.opentime.RationalTime(86400 * rate, rate))
    track = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    clip = otio.schema.Clip(
        name="thanks",
        media_reference=otio.schema.ExternalReference(
            target_url=media_path.as_uri(),
            available_range=otio.opentime.TimeRange(
                otio.opentime.RationalTime(0, rate), otio.opentime.RationalTime(96, rate)
            ),
        ),
        source_range=otio.opentime.TimeRange(otio.opentime.RationalTime(12, rate), otio.opentime.RationalTime(48, rate)),
    )
    clip.metadata["moviola"] = {"shot": 3, "emotion": {"valence": 0.25, "arousal": -0.5}}
    clip.markers.append(
        otio.schema.Marker(
            name="peak",
            marked_range=otio.opentime.TimeRange(otio.opentime.RationalTime(20, rate), otio.opentime.RationalTime(1, rate)),
            color=otio.schema.MarkerColor.RED,
            metadata={"moviola": {"score": 0.9}},
        )
    )
    track.append(clip)
    timeline.tracks.append(track)
    return timeline


@pytest.fixture
def clip(media, tmp_path) -> Path:
    """A copy of a small real clip, in a project folder."""
    folder = tmp_path / "show" / "media"
    folder.mkdir(parents=True)
    return Path(shutil.copy(media / "sources" / "asl_thanks.mkv", folder / "thanks.mkv"))


def test_round_trip(clip, tmp_path):
    project = Project()
    ref = project.add_media(clip)
    project.settings = {"shots": {"threshold": 0.5}, "fps_hint": 23.976}
    project.timelines.append(make_timeline(clip))
    path = project.save(tmp_path / "show" / "cut.moviola")

    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["schema"] == SCHEMA and doc["version"] == VERSION
    assert doc["media"] == [
        {"path": str(clip), "relative_path": "media/thanks.mkv", "fingerprint": ref.fingerprint, "size": ref.size}
    ]

    loaded = Project.load(path)
    assert loaded.path == path and not loaded.dirty
    assert loaded.media == (ref,)
    assert dict(loaded.settings) == {"shots": {"threshold": 0.5}, "fps_hint": 23.976}
    assert not loaded.link_report.missing and not loaded.link_report.changed
    assert len(loaded.timelines) == 1
    original, back = project.timelines[0], loaded.timelines[0]
    assert back.is_equivalent_to(original)
    got = back.find_clips()[0]
    assert got.metadata["moviola"]["emotion"]["valence"] == 0.25
    assert got.markers[0].name == "peak" and got.markers[0].metadata["moviola"]["score"] == 0.9
    assert got.source_range == original.find_clips()[0].source_range
    assert got.media_reference.target_url == clip.as_uri()


def test_events_and_dirty_flag(clip, tmp_path):
    project = Project()
    seen: list[tuple] = []
    project.events.media_added.connect(lambda ref: seen.append(("added", ref.name)))
    project.events.media_removed.connect(lambda ref: seen.append(("removed", ref.name)))
    project.events.timelines_changed.connect(lambda: seen.append(("timelines",)))
    project.events.settings_changed.connect(lambda: seen.append(("settings",)))
    project.events.dirty_changed.connect(lambda dirty: seen.append(("dirty", dirty)))
    project.events.path_changed.connect(lambda path: seen.append(("path", path.name)))

    ref = project.add_media(clip)
    assert project.add_media(str(clip)) is ref  # same file twice: no duplicate, no event
    project.timelines.append(make_timeline(clip))
    project.settings["shots"] = {"threshold": 0.4}
    project.save(tmp_path / "p.moviola")
    project.timelines[0].name = "renamed"
    project.timeline_edited()
    project.remove_media(clip)
    assert seen == [
        ("added", "thanks.mkv"),
        ("dirty", True),
        ("timelines",),
        ("settings",),
        ("path", "p.moviola"),
        ("dirty", False),
        ("timelines",),
        ("dirty", True),
        ("removed", "thanks.mkv"),
    ]
    assert project.media == ()
    with pytest.raises(KeyError):
        project.remove_media(clip)


def test_replacing_timelines_keeps_the_same_list(clip):
    project = Project()
    timelines = project.timelines
    changes = []
    project.events.timelines_changed.connect(lambda: changes.append(1))
    project.timelines = [make_timeline(clip, "a"), make_timeline(clip, "b")]
    assert project.timelines is timelines and [t.name for t in timelines] == ["a", "b"]
    assert changes == [1]


def test_add_missing_media_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        Project().add_media(tmp_path / "nope.mov")


def test_untitled_save_needs_a_path():
    with pytest.raises(ProjectError, match="untitled"):
        Project().save()


def test_unserialisable_settings_fail_save_clearly(tmp_path):
    project = Project()
    project.settings["bad"] = object()
    with pytest.raises(ProjectError, match="cannot save"):
        project.save(tmp_path / "p.moviola")
    assert not (tmp_path / "p.moviola").exists()
    assert list(tmp_path.iterdir()) == []  # no temp file left behind


def test_older_version_is_migrated(clip, tmp_path):
    timeline = make_timeline(clip)
    draft = {
        "schema": SCHEMA,
        "version": 0,
        "media": [str(clip)],
        "timelines": [otio.adapters.write_to_string(timeline, "otio_json")],
    }
    path = tmp_path / "draft.moviola"
    path.write_text(json.dumps(draft))
    project = Project.load(path)
    assert [m.path for m in project.media] == [clip]
    assert project.media[0].fingerprint  # learnt on load
    assert project.timelines[0].is_equivalent_to(timeline)
    assert dict(project.settings) == {}


BAD_FILES = {
    "not_json": (b"<xmeml version='4'>", "invalid JSON at line 1"),
    "binary": (b"\xff\xfe\x00garbage", "not UTF-8"),
    "empty": (b"", "invalid JSON"),
    "list": (b"[1, 2]", "expected a JSON object"),
    "no_schema": (b'{"version": 1}', 'no "schema" field'),
    "wrong_schema": (b'{"schema": "otio.timeline", "version": 1}', "'otio.timeline', expected 'moviola.project'"),
    "newer": (b'{"schema": "moviola.project", "version": 99}', "version 99 is newer than this Moviola supports"),
    "bad_version": (b'{"schema": "moviola.project", "version": "1"}', '"version" is \'1\''),
    "media_not_list": (b'{"schema": "moviola.project", "version": 1, "media": {}}', '"media" is not a list'),
    "media_no_path": (b'{"schema": "moviola.project", "version": 1, "media": [{"size": 3}]}', 'media entry 0 has no "path"'),
    "bad_timeline": (
        b'{"schema": "moviola.project", "version": 1, "timelines": [{"OTIO_SCHEMA": "Nope.1"}]}',
        "timeline 0",
    ),
    "bad_v0_timeline": (b'{"schema": "moviola.project", "version": 0, "timelines": ["{oops"]}', "from version 0"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_files_are_refused_with_a_clear_message(tmp_path, case):
    data, expected = BAD_FILES[case]
    path = tmp_path / f"{case}.moviola"
    path.write_bytes(data)
    with pytest.raises(ProjectError) as info:
        Project.load(path)
    message = str(info.value)
    assert str(path) in message
    assert expected in message


def test_missing_file_is_refused_clearly(tmp_path):
    with pytest.raises(ProjectError, match="not found"):
        Project.load(tmp_path / "gone.moviola")
