"""`moviola-cli refresh PROJECT`: re-analysis merges into the editor's work (issue #12)."""
from __future__ import annotations

import json
import shutil

import opentimelineio as otio
import pytest

from engine.cli import main as cli
from engine.jobs import drive
from engine.project import Project
from engine.project.edits import AttachMarkers, PlaceElement, Relabel
from engine.project.identity import timeline_kind
from engine.project.merge import merge_breakdown
from engine.refresh import refresh_job
from engine.timeline import rates


@pytest.fixture
def edited_project(media, tmp_path):
    """A saved project whose clip the editor worked on: label, V2 element, beats, a note."""
    clip = tmp_path / "clip.mp4"
    shutil.copy(media / "sources" / "tears_of_steel_0500.mp4", clip)
    project = Project()
    ref = project.add_media(clip)
    reports, problems = drive(refresh_job(project))
    assert problems == {} and reports[0].created
    timeline = project.breakdown(ref.fingerprint)
    v1 = timeline.video_tracks()[0].find_clips()
    second = v1[1].metadata["moviola"]["shot"]["start_frame"]
    Relabel(ref.fingerprint, second, "joyful", 2).apply(project)
    span = rates.time_range(second, 10, 24)
    PlaceElement(ref.fingerprint, span, media / "sources" / "asl_yes.mkv", {"kind": "rain"}).apply(project)
    beats = [otio.schema.Marker(name=f"beat {i}", marked_range=otio.opentime.TimeRange(
        otio.opentime.RationalTime(i * 20, 24), otio.opentime.RationalTime(1, 24))) for i in range(8)]
    AttachMarkers(ref.fingerprint, beats).apply(project)
    v1[0].markers.append(otio.schema.Marker(name="editor note", marked_range=otio.opentime.TimeRange(
        v1[0].source_range.start_time + otio.opentime.RationalTime(2, 24), otio.opentime.RationalTime(1, 24))))
    path = project.save(tmp_path / "edit.moviola")
    return path, ref.fingerprint, second


def _reopened(path, fingerprint):
    project = Project.load(path)
    return project, project.breakdown(fingerprint)


def _assert_editor_work_kept(project, timeline, fingerprint, second) -> None:
    assert [t.name for t in timeline.video_tracks()] == ["V1", "V2"]
    assert [c.metadata["moviola"]["vfx"]["kind"] for c in timeline.video_tracks()[1].find_clips()] == ["rain"]
    assert [m.name for m in timeline.tracks.markers] == [f"beat {i}" for i in range(8)]
    assert "editor note" in [m.name for c in timeline.video_tracks()[0].find_clips() for m in c.markers]
    assert project.labels(fingerprint) == {second: "joyful"}
    labelled = [c for c in timeline.video_tracks()[0].find_clips()
                if c.metadata["moviola"]["shot"]["start_frame"] == second]
    assert labelled[0].metadata["moviola"]["emotion"]["label"] == "joyful"


def test_refresh_of_an_unchanged_project_changes_nothing(edited_project, capsys):
    path, fingerprint, second = edited_project
    before = path.read_bytes()
    assert cli(["refresh", str(path)]) == 0
    out = capsys.readouterr().out
    assert "unchanged" in out and "nothing changed" in out
    assert path.read_bytes() == before


def test_refresh_after_an_analyser_change_merges_and_keeps_the_editors_work(edited_project, capsys):
    path, fingerprint, second = edited_project
    # what an older analyser wrote: the last two shots as one, and different scores
    doc = json.loads(path.read_text(encoding="utf-8"))
    breakdown = next(t for t in doc["timelines"] if t["metadata"]["moviola"].get("kind") == "breakdown")
    v1 = breakdown["tracks"]["children"][0]
    last = v1["children"].pop()
    v1["children"][-1]["source_range"]["duration"]["value"] += last["source_range"]["duration"]["value"]
    for clip in v1["children"]:
        clip["metadata"]["moviola"]["emotion"]["valence"] = 0.99
    path.write_text(json.dumps(doc), encoding="utf-8")

    assert cli(["refresh", str(path)]) == 0
    out = capsys.readouterr().out
    n = len(v1["children"])
    assert f"{n} → {n + 1} shots" in out and "score(s) changed" in out and f"Saved {path}" in out
    project, timeline = _reopened(path, fingerprint)
    assert not project.dirty
    assert len(timeline.video_tracks()[0].find_clips()) == n + 1
    _assert_editor_work_kept(project, timeline, fingerprint, second)


def test_refresh_reports_an_unreadable_project_in_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.moviola"
    bad.write_text("{not json", encoding="utf-8")
    assert cli(["refresh", str(bad)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bad.moviola" in err[0]


def test_merge_keeps_generated_and_editor_objects_apart():
    """Unit level: editor markers follow their source time onto the re-cut clips."""
    def breakdown(cuts, length=100):
        timeline = otio.schema.Timeline(name="t")
        track = otio.schema.Track(name="V1")
        bounds = [0, *cuts, length]
        for a, b in zip(bounds, bounds[1:]):
            clip = otio.schema.Clip(name=f"s{a}", source_range=rates.time_range(a, b - a, 24))
            clip.metadata["moviola"] = {"shot": {"start_frame": a}}
            marker = otio.schema.Marker(name="generated", marked_range=rates.time_range(a, 1, 24))
            marker.metadata["moviola"] = {"generated": True}
            clip.markers.append(marker)
            track.append(clip)
        timeline.tracks.append(track)
        return timeline

    old = breakdown([50])
    old.video_tracks()[0][1].markers.append(
        otio.schema.Marker(name="note", marked_range=rates.time_range(70, 1, 24)))
    old.tracks.append(otio.schema.Track(name="V2"))
    report = merge_breakdown(old, breakdown([30, 60]))
    assert report.shots_before == 2 and report.shots_after == 3
    clips = old.video_tracks()[0].find_clips()
    assert [c.name for c in clips] == ["s0", "s30", "s60"]
    assert [m.name for m in clips[2].markers] == ["generated", "note"]
    assert [t.name for t in old.tracks] == ["V1", "V2"]
    assert not merge_breakdown(old, breakdown([30, 60])).changed
    assert timeline_kind(old) is None


def test_opening_a_project_sweeps_only_our_stale_temporaries(tmp_path):
    import os

    from engine.atomic import temporary_name

    path = Project().save(tmp_path / "p.moviola")
    stale = tmp_path / temporary_name("p.moviola")
    fresh = tmp_path / temporary_name("p.moviola")
    foreign = tmp_path / "p.moviola.tmp"
    for f in (stale, fresh, foreign):
        f.write_bytes(b"x" * 1000)
    os.utime(stale, (1, 1))
    os.utime(foreign, (1, 1))
    Project.load(path)
    assert not stale.exists() and fresh.exists() and foreign.exists()
