"""Every file of the robustness corpus gets the behaviour bad/README.md asks for."""
from __future__ import annotations

import time

import numpy as np
import pytest

from engine.media import FrameReader, MediaError, iter_audio, iter_frames, probe, read_audio

REJECTED = {
    "zero_bytes.mov": "empty file",
    "random_bytes.mp4": "not a recognised media container",
    "text_renamed.mov": "not a recognised media container",
    "truncated_no_moov.mp4": "moov atom missing / truncated",
}
ANALYSED = {
    # name: (frames, (width, height), has sound)
    "moov_at_end.mp4": (96, (640, 360), True),
    "moov_at_start.mp4": (96, (640, 360), True),
    "clip ünïcødé 映画.mp4": (96, (640, 360), True),
    "video_no_audio.mp4": (96, (640, 360), False),
    "one_frame.mp4": (1, (640, 360), False),
    "tiny_16x16.mp4": (97, (16, 16), True),
    "odd_1281x719.mp4": (97, (1281, 719), True),
    "vfr.mp4": (65, (640, 480), False),
}


def assert_clean_message(error: MediaError, name: str, problem: str) -> None:
    message = str(error)
    assert message == f"{name}: {problem}"
    assert error.path.name == name and error.problem == problem
    assert "\n" not in message and "Traceback" not in message and "Errno" not in message


@pytest.mark.parametrize(("name", "problem"), REJECTED.items())
@pytest.mark.parametrize("use", ["probe", "reader", "iter_frames", "iter_audio"])
def test_rejected_with_one_line_naming_file_and_problem(media, name, problem, use):
    path = media / "bad" / name
    calls = {
        "probe": lambda: probe(path),
        "reader": lambda: FrameReader(path),
        "iter_frames": lambda: next(iter_frames(path)),
        "iter_audio": lambda: iter_audio(path),
    }
    with pytest.raises(MediaError) as caught:
        calls[use]()
    assert_clean_message(caught.value, name, problem)


@pytest.mark.parametrize(("name", "expected"), ANALYSED.items())
def test_analysed_normally(media, name, expected):
    frames, size, has_sound = expected
    path = media / "bad" / name
    info = probe(path)
    assert info.warnings == ()
    assert info.video.frame_count == frames
    assert (info.video.width, info.video.height) == size
    assert bool(info.audio) == has_sound
    with FrameReader(path, size=(48, 27)) as reader:
        read = list(reader.frames())
        assert reader.warnings == []
        assert reader.frames_decoded == frames
    assert [f.index for f in read] == list(range(frames))
    assert all(f.image.shape == (27, 48, 3) and not f.damaged for f in read)


@pytest.mark.parametrize(("name", "shape"), [("odd_1281x719.mp4", (719, 1281)), ("tiny_16x16.mp4", (16, 16))])
@pytest.mark.parametrize("pix_fmt", ["rgb24", "bgr24", "gray"])
def test_awkward_sizes_at_native_size(media, name, shape, pix_fmt):
    with FrameReader(media / "bad" / name, pix_fmt=pix_fmt) as reader:
        frame = reader.read(50)
    channels = () if pix_fmt == "gray" else (3,)
    assert frame.image.shape == shape + channels and frame.image.dtype == np.uint8
    assert frame.image.flags.c_contiguous
    assert 20 < frame.image.mean() < 235  # a picture, not a blank or garbage buffer


def test_audio_only_is_rejected_for_video_but_probed_and_heard(media):
    path = media / "bad/audio_only.m4a"
    info = probe(path)
    assert info.video is None and info.warnings == ()
    assert info.audio[0].codec == "aac"
    with pytest.raises(MediaError) as caught:
        FrameReader(path)
    assert_clean_message(caught.value, "audio_only.m4a", "no video stream")
    assert read_audio(path, 8000, 1).shape[1] == pytest.approx(8 * 8000, abs=0.05 * 8000)


def test_video_without_audio_reports_no_audio(media):
    with pytest.raises(MediaError) as caught:
        iter_audio(media / "bad/video_no_audio.mp4")
    assert_clean_message(caught.value, "video_no_audio.mp4", "no audio stream")


def test_truncated_mid_mdat_delivers_what_is_there_and_says_so(media):
    path = media / "bad/truncated_mid_mdat.mp4"
    info = probe(path)
    assert info.warnings == ("truncated at ~2.0 s of 4.0 s",)
    assert info.video.frame_count == 49  # what ffprobe -count_frames decodes, not the 96 indexed
    assert info.duration < 2.2
    with FrameReader(path) as reader:
        frames = list(reader.frames())
        assert reader.frames_decoded == 49
        assert reader.warnings == ["truncated at ~2.0 s of 4.0 s"]
    assert [f.index for f in frames] == list(range(49))
    assert frames[-1].time < 2.1


def test_corrupted_middle_decodes_with_warnings_and_marks_damage(media):
    started = time.monotonic()
    with FrameReader(media / "bad/corrupted_middle.mp4", size=(48, 27)) as reader:
        frames = list(reader.frames())
        warnings = reader.warnings
    assert time.monotonic() - started < 20
    assert 80 <= len(frames) < 96
    assert any(w.startswith("decode error near frame") for w in warnings)
    assert warnings[-1].endswith("of 96 frames in 0..95 could not be decoded")
    damaged = {f.index for f in frames if f.damaged}
    # The overwritten bytes sit around 2 s (frame 48): the picture before it is clean.
    assert damaged and min(damaged) > 35
    assert all(not f.damaged for f in frames if f.index < 35)


def test_moov_at_start_gives_the_same_pictures_as_moov_at_end(media):
    end = list(iter_frames(media / "bad/moov_at_end.mp4", size=(48, 27)))
    start = list(iter_frames(media / "bad/moov_at_start.mp4", size=(48, 27)))
    assert [f.time for f in end] == [f.time for f in start]
    assert all(np.array_equal(a.image, b.image) for a, b in zip(end, start, strict=True))


def test_one_frame(media):
    with FrameReader(media / "bad/one_frame.mp4") as reader:
        assert [f.index for f in reader.frames()] == [0]
        assert reader.read(0).time == 0.0
        with pytest.raises(IndexError):
            reader.read(1)
    assert reader.info.video.duration == pytest.approx(1 / 24)


def test_vfr_times_come_from_timestamps(media):
    frames = list(iter_frames(media / "bad/vfr.mp4", size=(48, 27)))
    steps = np.diff([f.time for f in frames])
    assert len(frames) == 65
    assert np.allclose(steps[:30], 1 / 30)
    assert np.allclose(steps[30:40], 1 / 10)
    assert np.allclose(steps[40:], 1 / 15)
    assert frames[-1].time == pytest.approx(3.6)


def test_a_batch_of_every_bad_file_finishes(media):
    outcomes = {}
    started = time.monotonic()
    for path in sorted((media / "bad").iterdir()):
        if path.suffix not in {".mp4", ".mov", ".m4a"}:
            continue
        try:
            outcomes[path.name] = sum(1 for _ in iter_frames(path, size=(48, 27)))
        except MediaError as error:
            outcomes[path.name] = error.problem
    assert time.monotonic() - started < 30
    assert outcomes == {
        **REJECTED,
        **{name: frames for name, (frames, _, _) in ANALYSED.items()},
        "audio_only.m4a": "no video stream",
        "truncated_mid_mdat.mp4": 49,
        "corrupted_middle.mp4": outcomes["corrupted_middle.mp4"],
    }
    assert isinstance(outcomes["corrupted_middle.mp4"], int)
