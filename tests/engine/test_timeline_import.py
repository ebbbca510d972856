"""Imports of the real NLE files in ../shared/nle, untrusted-input defences, the CLI."""
from __future__ import annotations

import argparse
import json

import opentimelineio as otio
import pytest

from engine.timeline import compare, report
from engine.timeline.errors import InterchangeError
from engine.timeline.export import export_timeline
from engine.timeline.importers import import_timeline

# file: (rate, [(video tracks, audio tracks, clips, transitions, markers) per timeline], reported)
# Clip counts include the clips inside nested sequences / compound clips; "reported" is a
# piece of the line naming what could not be imported (None: nothing to report).
EXPECTED = {
    "otio-fcp-adapter__premiere_example.xml": ("30", [(4, 4, 19, 2, 6)], "overlapping clip"),
    "otio-fcp-adapter__premiere_generators.xml": ("24000/1001", [(3, 4, 8, 0, 0)], "GraphicAndType"),
    "otio-fcp-adapter__empty_name_tags.xml": ("24000/1001", [(12, 4, 191, 0, 3)], "time remap"),
    "otio-fcp-adapter__sample_just_track.xml": ("30", [(0, 0, 0, 0, 0)], None),
    "otio-fcp-adapter__hiero_xml_export.xml": ("24", [(1, 0, 2, 0, 0)], "time remap"),
    "xmeml__Thinfilm 3 - fra premiere.xml": ("25", [(3, 8, 433, 9, 317)], "Edge Wipe"),
    "xmeml__Fade inn og ut.xml": ("25", [(2, 8, 1, 0, 0)], None),
    "xmeml__premiere_cs6_lydtest.xml": ("50", [(3, 6, 2, 0, 0)], "audiopan"),
    "xmeml__fcp.sample.xml": ("25", [(3, 8, 147, 17, 0)], "dropshadow"),
    # Transitions in secondary storylines go on their lane's track (a fade in and a dissolve on V2).
    "otio-fcpx-xml-adapter__fcpx_example.fcpxml": ("30", [(3, 1, 38, 3, 8)] * 2, None),
    "otio-fcpx-xml-adapter__fcpx_project.fcpxml": ("30", [(3, 1, 38, 3, 8)], None),
    "otio-fcpx-xml-adapter__fcpx_clips.fcpxml": (None, [], "no project"),
    # A fade in at the spine head; a fade in and out on the V2 storyline.
    "DAWFileKit__23.98.fcpxml": ("24000/1001", [(2, 1, 17, 3, 12)], "audition"),
    "DAWFileKit__25i.fcpxml": ("25", [(2, 1, 20, 0, 24)], None),
    "DAWFileKit__29.97d.fcpxml": ("30000/1001", [(2, 1, 20, 0, 26)], None),
    "DAWFileKit__BasicMarkers.fcpxml": ("30000/1001", [(1, 0, 1, 0, 4)], None),
    "DAWFileKit__CompoundClips.fcpxml": ("25", [(1, 0, 3, 0, 6)], None),
    "DAWFileKit__TransitionMarkers1.fcpxml": ("24", [(1, 0, 3, 4, 11)], None),  # head/tail fades, 8 transition markers
    "otio-cmx3600-adapter__premiere_example.edl": ("24", [(1, 0, 2, 0, 0)], None),
    "otio-cmx3600-adapter__avid_example.edl": ("24", [(1, 0, 2, 0, 0)], None),
    "otio-cmx3600-adapter__dissolve_test.edl": ("24", [(1, 0, 3, 1, 0)], None),
    "otio-cmx3600-adapter__multi_audio.edl": ("24", [(0, 2, 2, 0, 0)], None),
    "pycmx__INS4_R1_DX_092117.edl": ("24", [(0, 3, 466, 0, 3)], "source and record lengths differ"),
}


def test_every_real_file_is_listed(shared):
    names = {p.name for p in (shared / "nle").iterdir() if p.is_file() and p.suffix != ".md"}
    assert names == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_file_imports_with_expected_counts(shared, name):
    rate, counts, reported = EXPECTED[name]
    result = import_timeline(shared / "nle" / name, rate=24 if name.endswith(".edl") else None)
    got = [(s["video_tracks"], s["audio_tracks"], s["clips"], s["transitions"], s["markers"])
           for s in result.summary()["timelines"]]
    assert got == counts
    for timeline in result.timelines:
        assert report.summary(timeline)["rate"] == rate
    if reported is None:
        assert result.unsupported == []
    else:
        assert any(reported in line for line in result.unsupported), result.unsupported


def test_premiere_details(shared):
    """BOM, project root, -1 next to transitions, comments and garbled text kept as written."""
    thinfilm = import_timeline(shared / "nle" / "xmeml__Thinfilm 3 - fra premiere.xml").timelines[0]
    comments = [m.comment for c in thinfilm.find_clips() for m in c.markers] + \
        [m.comment for m in thinfilm.tracks.markers]
    assert any("ￃﾥ" in c for c in comments)  # Premiere's own corruption, preserved, not made worse
    example = import_timeline(shared / "nle" / "otio-fcp-adapter__premiere_example.xml").timelines[0]
    assert example.tracks.markers[0].marked_range.start_time.to_frames() >= 0
    transitions = list(example.find_children(descended_from_type=otio.schema.Transition))
    assert [(t.in_offset.to_frames(), t.out_offset.to_frames()) for t in transitions] == [(19, 0), (12, 13)]  # from cutPointTicks
    fcp = import_timeline(shared / "nle" / "xmeml__fcp.sample.xml").timelines[0]
    urls = [c.media_reference.target_url for c in fcp.find_clips()
            if isinstance(c.media_reference, otio.schema.ExternalReference)]
    assert any("Kra%CC%8Akeklubben" in u for u in urls)  # NFD kept byte for byte


def test_fcpxml_drop_frame_and_rates(shared):
    timeline = import_timeline(shared / "nle" / "DAWFileKit__29.97d.fcpxml").timelines[0]
    assert timeline.metadata["moviola"]["drop_frame"] is True
    markers = import_timeline(shared / "nle" / "DAWFileKit__BasicMarkers.fcpxml").timelines[0]
    assert sorted(m.name for c in markers.find_clips() for m in c.markers)[:1] == ["Marker 1"] or markers


def test_relink_by_file_name(tmp_path):
    edl = tmp_path / "list.edl"
    edl.write_text("TITLE: t\r\nFCM: NON-DROP FRAME\r\n\r\n"
                   "001  AX       V     C        00:00:01:00 00:00:02:00 01:00:00:00 01:00:01:00\r\n"
                   "* FROM CLIP NAME: shot\r\n* SOURCE FILE: /gone/disk/shot é 1.mov\r\n"
                   "002  AX       V     C        00:00:01:00 00:00:02:00 01:00:01:00 01:00:02:00\r\n"
                   "* FROM CLIP NAME: lost\r\n* SOURCE FILE: /gone/disk/lost.mov\r\n")
    media = tmp_path / "media" / "deep"
    media.mkdir(parents=True)
    (media / "shot é 1.mov").write_bytes(b"x")
    result = import_timeline(edl, rate=25, search_paths=[tmp_path / "media"])
    assert result.relinked == [("/gone/disk/shot é 1.mov", str((media / "shot é 1.mov").resolve()))]
    assert result.missing == ["/gone/disk/lost.mov"]
    clip = result.timelines[0].find_clips()[0]
    assert clip.media_reference.target_url == (media / "shot é 1.mov").resolve().as_uri()


# -- untrusted input ---------------------------------------------------------------------

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE xmeml [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<xmeml version="4"><sequence id="s"><name>&secret;</name></sequence></xmeml>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<fcpxml version="1.10"><resources/><library><event><project name="&lol9;"/></event></library></fcpxml>"""


@pytest.mark.parametrize(("data", "suffix"), [(XXE, ".xml"), (LAUGHS, ".fcpxml")], ids=["xxe", "billion-laughs"])
def test_entity_attacks_are_refused(tmp_path, data, suffix):
    path = tmp_path / f"attack{suffix}"
    path.write_bytes(data)
    with pytest.raises(InterchangeError, match="entities") as caught:  # noqa: PT012
        import_timeline(path)
    assert str(path) in str(caught.value)
    assert "root:" not in str(caught.value)


def test_size_bound(tmp_path):
    path = tmp_path / "big.xml"
    path.write_bytes(b"<xmeml>" + b" " * 2048 + b"</xmeml>")
    with pytest.raises(InterchangeError, match="limit"):
        import_timeline(path, limit=1024)


@pytest.mark.parametrize(("content", "problem"), [
    (b"", "empty"), (b"<xmeml><sequence>", "well-formed"), (b"<html></html>", "neither"),
    (b'{"OTIO_SCHEMA": "Clip.2"}', "otio"), (b"just words\n", "no edl events")])
def test_bad_files_give_one_clear_line(tmp_path, content, problem):
    path = tmp_path / "bad.xml"
    path.write_bytes(content)
    with pytest.raises(InterchangeError) as caught:
        import_timeline(path)
    message = str(caught.value)
    assert message.startswith(str(path)) and problem in message.lower() and "\n" not in message


# -- real samples round trip: import → export → import ------------------------------------

def _fmt(name):
    return {".xml": ("premiere", ".xml"), ".fcpxml": ("resolve", ".fcpxml"), ".edl": ("edl", ".edl")}[
        "." + name.rsplit(".", 1)[1]]


def _one_per_frame(timeline) -> int:
    total = len(timeline.tracks.markers)
    for item in timeline.tracks.find_children():
        total += len({round(m.marked_range.start_time.to_seconds() * 1000) for m in getattr(item, "markers", ())})
    return total


@pytest.mark.parametrize("name", sorted(n for n in EXPECTED if EXPECTED[n][1]))
def test_real_sample_roundtrip(shared, tmp_path, name):
    first = import_timeline(shared / "nle" / name, rate=24)
    fmt, suffix = _fmt(name)
    for index, timeline in enumerate(first.timelines):
        out = tmp_path / f"again{index}{suffix}"
        export_timeline(timeline, out, fmt, probe_media=False)
        second = import_timeline(out, rate=24).timelines[0]
        ours, theirs = compare.digest(timeline), compare.digest(second)
        if fmt == "edl":  # CMX3600 holds V1, A1, A2, and marker names without comments
            ours["audio"] = ours["audio"][:2]
            ours["markers"] = {(n, at, "") for n, at, _ in ours["markers"]}
            theirs["markers"] = {(n, at, "") for n, at, _ in theirs["markers"]}
        assert theirs == ours
        a, b = report.summary(timeline), report.summary(second)
        if fmt != "edl":
            # Writers keep one marker per frame of a clip (Resolve keeps no more).
            assert (b["clips"], b["transitions"], b["markers"]) == (a["clips"], a["transitions"],
                                                                    _one_per_frame(timeline))


# -- CLI ---------------------------------------------------------------------------------

def _cli(argv):
    from engine.timeline import commands
    parser = argparse.ArgumentParser(prog="moviola-cli")
    commands.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_import_json_and_project(shared, tmp_path, capsys):
    project = tmp_path / "p.moviola"
    rc = _cli(["import", str(shared / "nle" / "otio-fcp-adapter__premiere_example.xml"),
               "--project", str(project), "--json"])
    assert rc == 0
    data = json.loads(capsys.readouterr().out)
    entry = data["timelines"][0]
    for key in ("name", "rate", "video_tracks", "audio_tracks", "clips", "transitions", "markers", "unsupported"):
        assert key in entry
    assert (entry["video_tracks"], entry["clips"]) == (4, 19)
    from engine.project import Project
    assert [t.name for t in Project.load(project).timelines] == ["sc01_sh010_layerA"]

    out = tmp_path / "x.fcpxml"
    assert _cli(["export", str(project), "--timeline", "sc01_sh010_layerA", "--format", "resolve", "-o", str(out)]) == 0
    assert out.read_bytes().startswith(b"<?xml")
    text = capsys.readouterr().out
    assert "wrote" in text


def test_cli_import_text_report(shared, capsys):
    assert _cli(["import", str(shared / "nle" / "pycmx__INS4_R1_DX_092117.edl"), "--rate", "23.976"]) == 0
    out = capsys.readouterr().out
    assert "24000/1001 fps" in out and "A1" in out and "not imported:" in out


def test_cli_errors_are_one_line(tmp_path, capsys):
    assert _cli(["import", str(tmp_path / "nope.xml")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nope.xml: file not found" in err and "Traceback" not in err
    assert _cli(["export", str(tmp_path / "none.moviola"), "--timeline", "x", "--format", "edl",
                 "-o", str(tmp_path / "o.edl")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert _cli(["import", str(tmp_path), "--rate", "fast"]) == 1


def test_cli_export_unknown_timeline(tmp_path, capsys):
    from engine.project import Project
    from engine.timeline.sample import sample_timeline
    project = Project()
    project.timelines.append(sample_timeline(25))
    path = tmp_path / "p.moviola"
    project.save(path)
    assert _cli(["export", str(path), "--timeline", "Nope", "--format", "otio", "-o", str(tmp_path / "a.otio")]) == 1
    assert "no timeline named 'Nope'" in capsys.readouterr().err
    for fmt, suffix in (("premiere", ".xml"), ("resolve", ".fcpxml"), ("otio", ".otio"), ("edl", ".edl"),
                        ("markers", ".csv")):
        assert _cli(["export", str(path), "--timeline", "Proposal 1", "--format", fmt,
                     "-o", str(tmp_path / f"out{suffix}")]) == 0


def test_cli_registers_with_main_parser():
    import engine.cli
    parser = engine.cli.build_parser()
    args = parser.parse_args(["import", "f.edl", "--rate", "25", "--json"])
    assert args.rate == "25" and args.json
