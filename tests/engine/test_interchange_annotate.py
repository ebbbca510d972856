"""`moviola-cli annotate`: the editor's timeline back, the same edit plus emotion markers."""
from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from engine.annotate import analyse
from engine.media import probe
from engine.timeline import compare, model
from engine.timeline.annotate import annotate_file
from engine.timeline.export import export_timeline
from engine.timeline.importers import import_timeline
from engine.timeline.stringout import stringout
from engine.timeline.urls import url_to_path

REAL = ["otio-fcp-adapter__empty_name_tags.xml", "otio-fcp-adapter__hiero_xml_export.xml",
        "otio-fcp-adapter__premiere_example.xml", "otio-fcp-adapter__premiere_generators.xml",
        "otio-fcp-adapter__sample_just_track.xml", "xmeml__Fade inn og ut.xml",
        "xmeml__Thinfilm 3 - fra premiere.xml", "xmeml__fcp.sample.xml", "xmeml__premiere_cs6_lydtest.xml",
        "DAWFileKit__23.98.fcpxml", "DAWFileKit__25i.fcpxml", "DAWFileKit__29.97d.fcpxml",
        "DAWFileKit__BasicMarkers.fcpxml", "DAWFileKit__CompoundClips.fcpxml",
        "DAWFileKit__TransitionMarkers1.fcpxml", "otio-fcpx-xml-adapter__fcpx_example.fcpxml",
        "otio-fcpx-xml-adapter__fcpx_project.fcpxml"]


def emotion_label(timeline) -> str:
    return model.clip_emotion(timeline.video_tracks()[0].find_clips()[0])["label"]


def _validates(shared, path) -> bool:
    tree = etree.parse(str(path))
    version = tree.getroot().get("version").replace(".", "_")
    return etree.DTD(str(shared / "nle" / "dtd" / f"FCPXMLv{version}.dtd")).validate(tree)


def test_every_real_nle_file_is_listed(shared):
    names = {p.name for p in (shared / "nle").iterdir() if p.suffix in (".xml", ".fcpxml", ".otio")}
    assert names - set(REAL) == {"otio-fcpx-xml-adapter__fcpx_clips.fcpxml"}  # event clips, no timeline


@pytest.mark.parametrize("name", REAL)
def test_annotate_writes_the_same_edit_back(shared, tmp_path, name):
    source = shared / "nle" / name
    out = tmp_path / f"annotated{source.suffix}"
    result = annotate_file(source, out, analyse)  # their media are not on this machine
    assert result.markers == 0 and result.analysed == []
    if source.suffix == ".fcpxml":
        assert _validates(shared, out)
    befores = import_timeline(source).timelines
    afters = import_timeline(out).timelines
    assert [t.name for t in afters] == [t.name for t in befores]  # every timeline of the file, in order
    for before, after in zip(befores, afters, strict=True):
        assert compare.digest(after, with_markers=False) == compare.digest(before, with_markers=False)
        assert len(compare.digest(after)["markers"]) == len(compare.digest(before)["markers"])


def test_annotate_cli_adds_emotion_markers_on_real_media(media, tmp_path, capsys):
    import engine.cli

    clip = media / "sources" / "asl_yes.mkv"
    timeline = stringout([probe(clip)], name="Editor's cut")
    for fmt, suffix in (("premiere", ".xml"), ("resolve", ".fcpxml")):
        theirs = export_timeline(timeline, tmp_path / f"cut{suffix}", fmt).path
        out = tmp_path / f"cut.annotated{suffix}"
        assert engine.cli.main(["annotate", str(theirs), "-o", str(out), "--proposals", "0"]) == 0
        said = capsys.readouterr().out
        assert "emotion marker(s)" in said and "from 1 analysed source(s)" in said
        assert len(import_timeline(out).timelines) == 1  # --proposals 0: the cut alone
        before, after = import_timeline(theirs).timelines[0], import_timeline(out).timelines[0]
        same, added = compare.digest(before, with_markers=False), compare.digest(after, with_markers=False)
        assert added.pop("emotions") == [(0, emotion_label(after))] and same.pop("emotions") == []
        assert added == same  # same clips, ranges, transitions
        picture = after.video_tracks()[0].find_clips()[0]
        labels = [m.name for m in picture.markers]
        emotion = model.clip_emotion(picture)  # the first shot's marker carries the scores
        assert emotion is not None and emotion["label"]
        # FCPXML has no timeline markers: the peak sits on the clip under it.
        peaks = [m.name for m in after.tracks.markers] + [n for n in labels if n.startswith("arc peak")]
        assert peaks == [f"arc peak 1 ({emotion['label']})"]  # one analysed shot: one peak
        if suffix == ".fcpxml":
            assert _validates(media.parent, out)


@pytest.mark.parametrize("fmt,suffix", [("premiere", ".xml"), ("resolve", ".fcpxml"), ("otio", ".otio")])
def test_annotate_cli_writes_proposals_into_the_same_file(media, tmp_path, capsys, fmt, suffix):
    """The editor imports one file: their cut, annotated, and the proposals from its media
    beside it; each reads back with our reader and with the OpenTimelineIO adapters."""
    import opentimelineio as otio

    import engine.cli

    sources = [media / "sources" / name for name in ("asl_yes.mkv", "asl_thanks.mkv")]
    theirs = export_timeline(stringout([probe(p) for p in sources], name="Editor's cut"),
                             tmp_path / f"cut{suffix}", fmt).path
    out = tmp_path / f"cut.annotated{suffix}"
    assert engine.cli.main(["annotate", str(theirs), "-o", str(out), "--proposals", "2"]) == 0
    said = capsys.readouterr().out
    proposals = [line.strip()[2:] for line in said.splitlines() if line.strip().startswith("+ ")]
    assert len(proposals) == 2 and all(name.startswith("Proposal: ") for name in proposals)
    read = import_timeline(out)
    assert [t.name for t in read.timelines] == ["Editor's cut", *proposals]
    before, after = import_timeline(theirs).timelines[0], read.timelines[0]
    assert compare.digest(after, with_markers=False) | {"emotions": []} == \
        compare.digest(before, with_markers=False) | {"emotions": []}  # the cut itself unchanged
    wanted = {p.resolve() for p in sources}
    for proposal in read.timelines[1:]:
        clips = proposal.video_tracks()[0].find_clips()
        assert clips and {Path(url_to_path(c.media_reference.target_url)).resolve() for c in clips} <= wanted
        assert all(model.clip_emotion(c) for c in clips)  # each cut's emotion travels with it
    adapter = {".xml": "fcp_xml", ".fcpxml": "fcpx_xml", ".otio": "otio_json"}[suffix]
    theirs_read = otio.adapters.read_from_file(str(out), adapter)
    assert isinstance(theirs_read, otio.schema.SerializableCollection)
    assert [t.name for t in theirs_read] == ["Editor's cut", *proposals]
    if suffix == ".fcpxml":
        assert _validates(media.parent, out)


@pytest.fixture(scope="module")
def proposals(media):
    """Real proposals (analysis, proposer, probe) from two local clips."""
    from engine.annotate import propose

    sources = [str(media / "sources" / name) for name in ("asl_yes.mkv", "asl_thanks.mkv")]
    made, notes = propose(sources, stringout([probe(p) for p in sources]), count=2)
    assert len(made) == 2, notes
    return made


@pytest.mark.parametrize("name", [n for n in REAL if n.endswith((".xml", ".fcpxml"))])
def test_real_files_keep_their_edit_beside_proposals(shared, tmp_path, proposals, name):
    """What annotate writes: the editor's real file, every timeline unchanged, and proposals
    after them in the same document (DTD-valid FCPXML; both read back)."""
    from engine.timeline.export import export_timelines

    source = shared / "nle" / name
    theirs = import_timeline(source).timelines
    fmt = "resolve" if source.suffix == ".fcpxml" else "premiere"
    out = export_timelines([*theirs, *(p.clone() for p in proposals)], tmp_path / f"both{source.suffix}", fmt,
                           probe_media=False).path
    if fmt == "resolve":
        assert _validates(shared, out)
    again = import_timeline(out).timelines
    assert [t.name for t in again] == [t.name for t in theirs] + [p.name for p in proposals]
    for before, after in zip(theirs, again, strict=False):
        assert compare.digest(after, with_markers=False) == compare.digest(before, with_markers=False)
    for proposal, after in zip(proposals, again[len(theirs):], strict=True):
        assert [c.name for c in after.video_tracks()[0].find_clips()] == \
            [c.name for c in proposal.video_tracks()[0].find_clips()]


def test_sequences_of_one_xmeml_share_files_and_never_ids(shared, tmp_path, proposals):
    """CHECKLIST item 6 across sequences: clipitem and sequence ids unique in the document,
    each file defined in full once, before any reference to it (the proposals reuse the files
    of the cut when they share media, and their own otherwise)."""
    from engine.timeline.export import export_timelines

    theirs = import_timeline(shared / "nle" / "xmeml__fcp.sample.xml").timelines
    out = export_timelines([*theirs, *(p.clone() for p in proposals)], tmp_path / "both.xml", "premiere",
                           probe_media=False).path
    root = etree.parse(str(out)).getroot()
    assert len(root.findall("sequence")) == 1 + len(proposals)
    for tag in ("clipitem", "sequence"):
        ids = [e.get("id") for e in root.iter(tag) if e.get("id")]
        assert len(ids) == len(set(ids)), tag
    defined: set[str] = set()
    for element in root.iter("file"):
        if len(element):
            assert element.get("id") not in defined
            defined.add(element.get("id"))
        else:
            assert element.get("id") in defined  # a reference after its definition
