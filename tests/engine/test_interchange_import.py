"""Importers keep what NLE files hold, or say what they dropped and where (issue 14)."""
from __future__ import annotations

from fractions import Fraction

import opentimelineio as otio
from lxml import etree

from engine.timeline import model, rates
from engine.timeline.export import export_timeline
from engine.timeline.importers import import_timeline


def _record(track) -> list[tuple[str, int, int]]:
    """(kind or clip name, record start, duration) of each item, frames at 25."""
    result = []
    for index, item in enumerate(track):
        if isinstance(item, otio.schema.Transition):
            result.append(("transition", round(item.in_offset.to_seconds() * 25), round(item.out_offset.to_seconds() * 25)))
            continue
        where = track.range_of_child_at_index(index)
        result.append((item.name if isinstance(item, otio.schema.Clip) else "gap",
                       round(where.start_time.to_seconds() * 25), round(where.duration.to_seconds() * 25)))
    return result


_RATE = "<rate><timebase>25</timebase><ntsc>FALSE</ntsc></rate>"


def _clipitem(cid, name, start, end, in_, out, file_id, define):
    file = (f'<file id="{file_id}"><name>{name}.mov</name><pathurl>file://localhost/media/{name}.mov</pathurl>'
            f'{_RATE}<duration>500</duration><media><video/></media></file>') if define else f'<file id="{file_id}"/>'
    return (f'<clipitem id="{cid}"><name>{name}</name><duration>500</duration>{_RATE}<start>{start}</start>'
            f'<end>{end}</end><in>{in_}</in><out>{out}</out>{file}</clipitem>')


def test_xmeml_fade_in_after_a_gap_stays_at_its_cut(tmp_path):
    """A: 0-50, gap to 100, fade in from black (start-black, 12 frames) on B at 100."""
    fade = ("<transitionitem><start>100</start><end>112</end><alignment>start-black</alignment>"
            f"{_RATE}<effect><name>Cross Dissolve</name><effectid>Cross Dissolve</effectid>"
            "<effecttype>transition</effecttype><mediatype>video</mediatype></effect></transitionitem>")
    xml = (f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE xmeml>\n<xmeml version="4"><sequence id="s1">'
           f'<name>Fades</name><duration>150</duration>{_RATE}<media><video><track>'
           + _clipitem("c1", "A", 0, 50, 0, 50, "f1", True) + fade
           + _clipitem("c2", "B", 100, 150, 440, 490, "f2", True)
           + "</track></video></media></sequence></xmeml>")
    path = tmp_path / "fades.xml"
    path.write_text(xml, encoding="utf-8")
    result = import_timeline(path)
    track = result.timelines[0].video_tracks()[0]
    assert _record(track) == [("A", 0, 50), ("gap", 50, 50), ("transition", 0, 12), ("B", 100, 50)]
    assert result.unsupported == []
    # Re-exported, nothing asks for frames past the 500-frame media, and the fade is at 100.
    again = etree.parse(str(export_timeline(result.timelines[0], tmp_path / "again.xml", "premiere",
                                            probe_media=False).path))
    assert [int(c.findtext("out")) for c in again.iterfind(".//clipitem")] == [50, 490]
    assert (again.findtext(".//transitionitem/start"), again.findtext(".//transitionitem/end")) == ("100", "112")


def test_fcpxml_head_and_tail_fades_and_transition_markers_are_kept(shared, tmp_path):
    result = import_timeline(shared / "nle" / "DAWFileKit__TransitionMarkers1.fcpxml")
    timeline = result.timelines[0]
    track = timeline.video_tracks()[0]
    kinds = [type(i).__name__ for i in track]
    assert kinds == ["Transition", "Clip", "Transition", "Clip", "Transition", "Clip", "Transition"]
    names = sorted(m.name for m in timeline.tracks.markers)
    assert names == sorted(f"Marker {n}" for n in (1, 2, 4, 5, 7, 8, 10, 11))
    # Marker 4 sits on the transition at 00:00:09.5 + 0 (24 fps: frame 228 from the start).
    marker = next(m for m in timeline.tracks.markers if m.name == "Marker 4")
    assert round(marker.marked_range.start_time.to_seconds() * 24) == 228
    assert result.unsupported == []
    out = export_timeline(timeline, tmp_path / "again.fcpxml", "resolve", probe_media=False).path
    tree = etree.parse(str(out))
    assert len(tree.findall(".//spine/transition")) == 4


_FCPXML = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE fcpxml>
<fcpxml version="1.10">
  <resources>
    <format id="r1" frameDuration="1/25s" width="1920" height="1080"/>
    <asset id="r2" name="a" start="0s" duration="100s" hasVideo="1" format="r1" hasAudio="0">
      <media-rep kind="original-media" src="file:///media/a.mov"/>
    </asset>
  </resources>
  <library><event name="E"><project name="Speeds"><sequence format="r1" tcStart="0s" duration="10s">
    <spine>
      <asset-clip ref="r2" name="Double" offset="0s" start="0s" duration="2s">
        <timeMap><timept time="0s" value="0s" interp="linear"/><timept time="2s" value="4s" interp="linear"/></timeMap>
      </asset-clip>
      <asset-clip ref="r2" name="Ramp" offset="2s" start="0s" duration="2s">
        <timeMap><timept time="0s" value="0s"/><timept time="1s" value="1s"/><timept time="2s" value="3s"/></timeMap>
      </asset-clip>
      <mc-clip ref="r2" name="Interview multicam" offset="4s" start="0s" duration="2s"/>
      <sync-clip name="Take 3 synced" offset="6s" start="0s" duration="2s"/>
    </spine>
  </sequence></project></event></library>
</fcpxml>
"""


def test_fcpxml_speed_changes_and_multicam_are_kept_or_reported(tmp_path):
    path = tmp_path / "speeds.fcpxml"
    path.write_text(_FCPXML, encoding="utf-8")
    result = import_timeline(path)
    clips = result.timelines[0].video_tracks()[0].find_clips()
    assert [c.name for c in clips] == ["Double", "Ramp", "Interview multicam", "Take 3 synced"]
    warp = [e for e in clips[0].effects if isinstance(e, otio.schema.LinearTimeWarp)]
    assert [w.time_scalar for w in warp] == [2.0]
    assert not clips[1].effects
    assert result.unsupported == [
        "speed ramp (timeMap) imported at 100% (clip 'Ramp' at frame 50)",
        "multicam clip imported as an offline placeholder ('Interview multicam')",
        "synchronized clip imported as an offline placeholder ('Take 3 synced')",
    ]


def test_fcpxml_audio_only_project_keeps_every_clip_in_place(tmp_path):
    timeline = otio.schema.Timeline(name="Radio")
    model.set_timeline_facts(timeline, 25, False)
    track = otio.schema.Track(name="A1", kind=otio.schema.TrackKind.Audio)
    for n, (gap, length) in enumerate([(0, 50), (10, 40), (0, 30), (25, 60), (0, 20)], 1):
        if gap:
            track.append(otio.schema.Gap(source_range=rates.time_range(0, gap, 25)))
        ref = otio.schema.ExternalReference(target_url=f"file:///media/take{n}.wav",
                                            available_range=rates.time_range(0, 500, 25))
        model.store_media_facts(ref, model.MediaFacts(url=None, name=f"take{n}.wav", rate=Fraction(25),
                                                      frames=500, has_video=False))
        track.append(otio.schema.Clip(name=f"take {n}", media_reference=ref,
                                      source_range=rates.time_range(5 * n, length, 25)))
    timeline.tracks.append(track)
    out = export_timeline(timeline, tmp_path / "radio.fcpxml", "resolve", probe_media=False).path
    result = import_timeline(out)
    again = result.timelines[0]
    assert again.video_tracks() == []
    assert _record(again.audio_tracks()[0]) == _record(track)
    assert result.unsupported == []


_EDL = """TITLE: Nattklipp\r
FCM: DROP FRAME\r
\r
001  AX       V     C        23:59:50;00 23:59:55;00 23:59:58;00 24:00:03;00\r
* FROM CLIP NAME: Kjøkken 日本.mov\r
002  AX       V     C        23:59:55;00 00:00:05;00 00:00:03;00 00:00:13;00\r
* FROM CLIP NAME: Kjøkken 日本.mov\r
FCM: NON-DROP FRAME\r
003  AX       V     C        00:00:10:00 00:00:12:00 00:00:13;00 00:00:15;00\r
* FROM CLIP NAME: Kjøkken 日本.mov\r
"""


def test_edl_past_midnight_per_event_fcm_and_utf8_names(tmp_path):
    path = tmp_path / "night.edl"
    path.write_bytes(_EDL.encode("utf-8"))
    result = import_timeline(path, rate="30000/1001")
    timeline = result.timelines[0]
    clips = timeline.video_tracks()[0].find_clips()
    assert [c.name for c in clips] == ["Kjøkken 日本.mov"] * 3
    record = [c.trimmed_range_in_parent() for c in clips]
    assert [round(r.duration.value) for r in record] == [150, 300, 60]
    assert record[1].start_time.value == record[0].end_time_exclusive().value  # no 24 h jump
    fps = Fraction(30000, 1001)
    day = rates.from_timecode("23:59:59;00", fps) + 30
    # The sources after midnight are on the next day, in order after 23:59:55;00.
    starts = [round(c.source_range.start_time.value) for c in clips]
    assert starts[0] < starts[1] < starts[2]
    assert starts[2] == day + rates.from_timecode("00:00:10:00", fps, drop_frame=False)
    assert result.unsupported == ["source timecode past midnight read as the next day (x2: event 002, event 003)"]


def _remap(speed: str, variable: str = "0") -> str:
    return ("<filter><effect><name>Time Remap</name><effectid>timeremap</effectid><effecttype>motion</effecttype>"
            f"<parameter><parameterid>variablespeed</parameterid><value>{variable}</value></parameter>"
            f"<parameter><parameterid>speed</parameterid><value>{speed}</value></parameter>"
            "<parameter><parameterid>reverse</parameterid><value>FALSE</value></parameter></effect></filter>")


def test_xmeml_constant_speed_is_a_time_warp_and_variable_is_reported(tmp_path):
    double = _clipitem("c1", "Double", 0, 50, 0, 100, "f1", True).replace("</clipitem>", _remap("200") + "</clipitem>")
    ramp = _clipitem("c2", "Ramp", 50, 100, 0, 60, "f2", True).replace("</clipitem>", _remap("120", "1") + "</clipitem>")
    xml = (f'<?xml version="1.0" encoding="UTF-8"?>\n<xmeml version="4"><sequence id="s1"><name>S</name>'
           f'<duration>100</duration>{_RATE}<media><video><track>{double}{ramp}</track></video></media>'
           "</sequence></xmeml>")
    path = tmp_path / "speeds.xml"
    path.write_text(xml, encoding="utf-8")
    result = import_timeline(path)
    clips = result.timelines[0].video_tracks()[0].find_clips()
    assert [[e.time_scalar for e in c.effects] for c in clips] == [[2.0], []]
    assert result.unsupported == ["speed change (variable time remap) imported at 100% (clip 'Ramp' at frame 50)"]
