"""Generated elements: parsing descriptions, deterministic renders, tracking, files, timeline."""
from __future__ import annotations

from fractions import Fraction

import av
import cv2
import numpy as np
import opentimelineio as otio
import pytest

from engine.jobs import drive
from engine.media import probe, read_frame
from engine.timeline.placement import place_element
from engine.vfx.describe import describe
from engine.vfx.elements import KINDS, Element
from engine.vfx.render import ElementRenderer, render_element
from engine.vfx.trackdata import CameraTrack
from engine.vfx.tracking import track_frames

W, H = 320, 180


@pytest.mark.parametrize("text, kind, expected", [
    ("heavy rain blowing left", "rain", {"density": 0.85, "direction": 245.0}),
    ("light rain", "rain", {"density": 0.2}),
    ("slow golden dust in the light", "dust", {"colour": (1.0, 0.8, 0.4), "speed": 0.01, "density": 0.4}),
    ("sparks rising", "sparks", {"direction": 90.0}),
    ("embers drifting left", "sparks", {"direction": 180.0}),
    ("thin fog", "fog", {"density": 0.2, "opacity": pytest.approx(0.36)}),
    ("thick mist rolling right for 4 seconds", "fog", {"density": 0.85, "direction": 0.0, "duration": 4.0}),
    ("warm light leak", "light_leak", {"colour": (1.0, 0.6, 0.3), "density": 0.5, "tracked": False}),
    ("film grain", "grain", {"tracked": False}),
    ("big snowflakes falling slowly, 4 layers", "snow", {"size": 1.8, "layers": 4, "speed": 0.06}),
    ("title 'NIGHTFALL' in white, fading in", "title", {"text": "NIGHTFALL", "fade_in": 1.0,
                                                         "colour": (1.0, 1.0, 1.0)}),
    ('"The End" in gold, fade in and out', "title", {"text": "The End", "fade_in": 1.0, "fade_out": 1.0,
                                                     "colour": (1.0, 0.8, 0.4)}),
])
def test_description_maps_to_element_and_parameters(text, kind, expected):
    element = describe(text)
    assert element.kind == kind
    for name, value in expected.items():
        assert getattr(element, name) == value, name


def test_description_without_an_element_says_so():
    with pytest.raises(ValueError, match="no element recognised"):
        describe("make it look nicer")


def test_same_seed_same_frames_other_seed_differs():
    for kind in KINDS:
        e = Element.preset(kind, text="HELLO", fade_in=0.1)
        a = ElementRenderer(e, W, H, 24, frames=6).render(5)
        b = ElementRenderer(e, W, H, 24, frames=6).render(5)
        assert np.array_equal(a, b), kind
        assert a[..., 3].max() > 0.05, kind
        if kind != "title":
            c = ElementRenderer(e.replace(seed=7), W, H, 24, frames=6).render(5)
            assert not np.array_equal(a, c), kind


def test_alpha_is_premultiplied_and_in_range():
    for kind in ("rain", "sparks", "fog", "light_leak", "grain"):
        f = ElementRenderer(Element.preset(kind), W, H, 24, frames=3).render(2)
        assert f.dtype == np.float32 and f.min() >= 0 and f[..., 3].max() <= 1.0
        assert np.all(f[..., :3] <= f[..., 3:4] + 1e-5), kind


def test_tracked_element_moves_with_the_plate(media):
    still = read_frame(media / "sources" / "tears_of_steel_0500.mp4", 45, size=(400, 225)).image
    shifts = [(2.5 * k, -1.2 * k) for k in range(8)]
    plate = [cv2.warpAffine(still, np.float32([[1, 0, dx], [0, 1, dy]]), (400, 225))[20:200, 40:360]
             for dx, dy in shifts]
    hs = np.array([m.homography for m in drive(track_frames(plate))])
    track = CameraTrack("plate", 0, W, H, Fraction(24), hs)
    title = Element.preset("title", text="HOLD", motion_blur=0.0)
    renderer = ElementRenderer(title, W, H, 24, track=track)

    def centroid(a):
        ys, xs = np.nonzero(a > 0)
        weights = a[ys, xs]
        return np.array([np.sum(xs * weights), np.sum(ys * weights)]) / weights.sum()

    first = centroid(renderer.render(0)[..., 3])
    for k in (3, 7):
        moved = centroid(renderer.render(k)[..., 3]) - first
        assert np.allclose(moved, shifts[k], atol=0.3), (k, moved)
    # Lens effects stay put on the screen whatever the camera does.
    grain = ElementRenderer(Element.preset("grain"), W, H, 24, track=track)
    assert grain.track is None


def test_prores_4444_decodes_with_alpha_intact(tmp_path):
    out = tmp_path / "snow.mov"
    element = Element.preset("snow", density=0.8, seed=3)
    report = drive(render_element(element, out, W, H, Fraction(24000, 1001), frames=4))
    info = probe(out).video
    assert (info.codec, info.profile, info.width, info.height) == ("prores", "4444", W, H)
    assert info.frame_rate == Fraction(24000, 1001) and info.frame_count == report.frames == 4
    renderer = ElementRenderer(element, W, H, Fraction(24000, 1001), frames=4)
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.pix_fmt.startswith("yuva444p")
        for k, frame in enumerate(container.decode(stream)):
            alpha = frame.to_ndarray(format="rgba")[..., 3].astype(int)
            expected = np.round(renderer.straight(k)[..., 3] * 255).astype(int)
            assert np.abs(alpha - expected).max() <= 2
            assert alpha.max() > 200 and alpha.min() == 0


def test_png_sequence_has_alpha_and_one_file_per_frame(tmp_path):
    out = tmp_path / "grain"
    drive(render_element(Element.preset("title", text="X", duration=0.25), out, W, H, 24, frames=48))
    files = sorted(out.glob("*.png"))
    assert [f.name for f in files] == [f"grain_{i:05d}.png" for i in range(6)]  # duration wins
    image = cv2.imread(str(files[0]), cv2.IMREAD_UNCHANGED)
    assert image.shape == (H, W, 4) and image[..., 3].max() == 255


def test_element_lands_on_v2_over_its_shot(tmp_path):
    rate = 24
    timeline = otio.schema.Timeline(name="cut")
    v1 = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    for name, frames in (("a", 48), ("b", 30), ("c", 40)):
        v1.append(otio.schema.Clip(name=name, source_range=otio.opentime.TimeRange(
            otio.opentime.RationalTime(0, rate), otio.opentime.RationalTime(frames, rate))))
    timeline.tracks.append(v1)
    timeline.tracks.append(otio.schema.Track(name="A1", kind=otio.schema.TrackKind.Audio))
    element = tmp_path / "rain over b.mov"
    element.write_bytes(b"")
    shot = v1.range_of_child_at_index(1)
    clip = place_element(timeline, shot, element, metadata={"kind": "rain"})
    v2 = timeline.tracks[1]
    assert (v2.name, v2.kind) == ("V2", otio.schema.TrackKind.Video)
    assert v2.range_of_child(clip) == shot
    assert clip.media_reference.target_url == element.resolve().as_uri()
    assert "%20" in clip.media_reference.target_url
    assert clip.source_range.start_time.value == 0 and clip.source_range.duration.value == 30
    # A second element before it fills the gap in front without moving the first.
    first = place_element(timeline, v1.range_of_child_at_index(0), element)
    assert v2.range_of_child(first).start_time.value == 0 and v2.range_of_child(clip) == shot
    with pytest.raises(ValueError, match="not free"):
        place_element(timeline, shot, element)
    otio.adapters.write_to_string(timeline, "otio_json")  # serialisable
