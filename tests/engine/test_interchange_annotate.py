"""`moviola-cli annotate`: the editor's timeline back, the same edit plus emotion markers."""
from __future__ import annotations

import pytest
from lxml import etree

from engine.annotate import analyse
from engine.media import probe
from engine.timeline import compare, model
from engine.timeline.annotate import annotate_file
from engine.timeline.export import export_timeline
from engine.timeline.importers import import_timeline
from engine.timeline.stringout import stringout

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
    before = import_timeline(source).timelines[0]
    after = import_timeline(out).timelines[0]
    assert compare.digest(after, with_markers=False) == compare.digest(before, with_markers=False)
    assert len(compare.digest(after)["markers"]) == len(compare.digest(before)["markers"])


def test_annotate_cli_adds_emotion_markers_on_real_media(media, tmp_path, capsys):
    import engine.cli

    clip = media / "sources" / "asl_yes.mkv"
    timeline = stringout([probe(clip)], name="Editor's cut")
    for fmt, suffix in (("premiere", ".xml"), ("resolve", ".fcpxml")):
        theirs = export_timeline(timeline, tmp_path / f"cut{suffix}", fmt).path
        out = tmp_path / f"cut.annotated{suffix}"
        assert engine.cli.main(["annotate", str(theirs), "-o", str(out)]) == 0
        said = capsys.readouterr().out
        assert "emotion marker(s)" in said and "from 1 analysed source(s)" in said
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
