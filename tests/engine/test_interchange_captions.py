"""Spoken lines (transcript markers) travel to NLEs: FCPXML ``caption`` elements, xmeml
markers with the line's text, .otio clip markers as they are; every reader brings them
back as the same kind of marker (issue 14; the contract is engine/transcript/exports.py's)."""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest
from lxml import etree

from engine.media import probe
from engine.timeline import model, rates
from engine.timeline.export import export_timeline
from engine.timeline.importers import import_timeline
from engine.timeline.stringout import stringout

LINES = [("Where were you last night?", 0, 30), ("Out. Walking.", 40, 20), ("In the rain?", 65, 12)]


def _spoken(timeline: otio.schema.Timeline) -> otio.schema.Timeline:
    """The first picture clip with three lines (the first at its head, where its emotion
    marker also sits), in its source time."""
    clip = timeline.video_tracks()[0].find_clips()[0]
    rate = clip.source_range.start_time.rate
    head = rates.frames(clip.source_range.start_time, rate)
    model.meta(clip)["emotion"] = {"label": "tense", "valence": -0.4, "arousal": 0.6, "confidence": 0.8}
    for text, start, length in LINES:
        clip.markers.append(model.transcript_marker(text, head + start, length, rate))
    clip.markers.append(model.make_marker("slate", head + 40, 0, rate, "editor's note"))
    return timeline


def _lines(timeline: otio.schema.Timeline) -> list[tuple[str, int, int]]:
    clip = timeline.video_tracks()[0].find_clips()[0]
    rate = clip.source_range.start_time.rate
    head = rates.frames(clip.source_range.start_time, rate)
    return [(m.name, rates.frames(m.marked_range.start_time, rate) - head, rates.frames(m.marked_range.duration, rate))
            for m in clip.markers if model.is_transcript(m)]


def _validates(shared: Path, path: Path) -> etree._ElementTree:
    tree = etree.parse(str(path))
    dtd = etree.DTD(str(shared / "nle" / "dtd" / f"FCPXMLv{tree.getroot().get('version').replace('.', '_')}.dtd"))
    assert dtd.validate(tree), dtd.error_log.filter_from_errors()
    return tree


@pytest.fixture
def timeline(media):
    return _spoken(stringout([probe(media / "sources" / "caminandes_llama_drama.mp4")], name="Scene 4"))


@pytest.mark.parametrize("version", ["1.9", "1.10", "1.11"])
def test_fcpxml_writes_lines_as_captions(timeline, shared, tmp_path, version):
    path = export_timeline(timeline, tmp_path / "scene.fcpxml", "resolve", fcpxml_version=version).path
    tree = _validates(shared, path)
    clip = tree.find(".//spine/asset-clip")
    captions = clip.findall("caption")
    assert [c.findtext("text/text-style") for c in captions] == [text for text, _, _ in LINES]
    frame = rates.frame_duration(24)
    start = Fraction(clip.get("start")[:-1]) if clip.get("start") != "0s" else Fraction(0)
    assert [(Fraction(c.get("offset")[:-1] or 0) - start if c.get("offset") != "0s" else -start,
             Fraction(c.get("duration")[:-1])) for c in captions] == \
        [(s * frame, n * frame) for _, s, n in LINES]
    assert {c.get("role") for c in captions} == {"iTT?captionFormat=ITT.en"}
    # Captions are not markers: the emotion and the editor's marker stay, one per frame.
    assert [m.get("value") for m in clip.findall("marker")] == ["tense", "slate"]
    assert _lines(import_timeline(path).timelines[0]) == LINES


def test_xmeml_writes_lines_as_markers_with_their_text(timeline, tmp_path):
    path = export_timeline(timeline, tmp_path / "scene.xml", "premiere").path
    xml = etree.parse(str(path))
    markers = xml.findall(".//video/track/clipitem/marker")
    spoken = [(m.findtext("name"), int(m.findtext("in")), int(m.findtext("out"))) for m in markers
              if m.findtext("comment").endswith("[transcript]")]
    assert spoken == [(text, s, s + n) for text, s, n in LINES]  # a range each, never merged
    again = import_timeline(path).timelines[0]
    assert _lines(again) == LINES
    clip = again.video_tracks()[0].find_clips()[0]
    assert model.clip_emotion(clip)["label"] == "tense"
    assert [(m.name, m.comment) for m in clip.markers if not model.is_transcript(m)] == [("slate", "editor's note")]
    theirs = otio.adapters.read_from_file(str(path), "fcp_xml")  # Premiere's reader sees the text
    assert [m.name for m in theirs.video_tracks()[0].find_clips()[0].markers
            if m.name in {t for t, _, _ in LINES}] == [t for t, _, _ in LINES]


def test_otio_keeps_lines_as_clip_markers(timeline, tmp_path):
    path = export_timeline(timeline, tmp_path / "scene.otio", "otio").path
    again = import_timeline(path).timelines[0]
    assert _lines(again) == LINES
    marker = next(m for m in again.video_tracks()[0].find_clips()[0].markers if model.is_transcript(m))
    assert marker.comment == "" and dict(marker.metadata["moviola"]) == {"kind": "transcript"}


def test_cli_export_carries_lines_into_resolve_and_premiere(timeline, shared, tmp_path, capsys):
    import engine.cli
    from engine.project import Project

    project = Project()
    project.timelines.append(timeline)
    saved = project.save(tmp_path / "scene.moviola")
    for fmt, suffix in (("resolve", ".fcpxml"), ("premiere", ".xml")):
        out = tmp_path / f"cli{suffix}"
        assert engine.cli.main(["export", str(saved), "--timeline", "Scene 4", "--format", fmt, "-o", str(out)]) == 0
        if suffix == ".fcpxml":
            assert len(_validates(shared, out).findall(".//caption")) == len(LINES)
        assert engine.cli.main(["import", str(out), "--json"]) == 0
        capsys.readouterr()
        assert _lines(import_timeline(out).timelines[0]) == LINES
