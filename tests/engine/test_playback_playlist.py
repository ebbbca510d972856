"""Record frames map to the right source frames, across files and over gaps."""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import opentimelineio as otio

from engine.playback import Playlist

RATE = 24000 / 1001


def _clip(name, start, duration, tc_start=0):
    ref = otio.schema.ExternalReference(
        target_url=Path(f"/media/{name}").as_uri(),
        available_range=otio.opentime.TimeRange(otio.opentime.RationalTime(tc_start, RATE),
                                                otio.opentime.RationalTime(10_000, RATE)))
    return otio.schema.Clip(name=name, media_reference=ref, source_range=otio.opentime.TimeRange(
        otio.opentime.RationalTime(tc_start + start, RATE), otio.opentime.RationalTime(duration, RATE)))


def test_timeline_plays_as_an_edit_across_files():
    timeline = otio.schema.Timeline()
    track = otio.schema.Track(kind=otio.schema.TrackKind.Video)
    track.append(_clip("a.mov", 100, 48, tc_start=86_314))  # source timecode origin
    track.append(otio.schema.Gap(source_range=otio.opentime.TimeRange(
        duration=otio.opentime.RationalTime(12, RATE))))
    track.append(_clip("b mov ü.mov", 5, 24))
    timeline.tracks.append(track)

    playlist = Playlist.from_timeline(timeline)
    assert playlist.rate == Fraction(24000, 1001)
    assert playlist.length == 48 + 12 + 24
    segment, source = playlist.locate(0)
    assert (segment.path, source) == (Path("/media/a.mov"), 100)
    assert playlist.locate(47)[1] == 147
    assert playlist.locate(48) is None and playlist.locate(59) is None
    segment, source = playlist.locate(60)
    assert (segment.path.name, source) == ("b mov ü.mov", 5)
    assert playlist.locate(84) is None
