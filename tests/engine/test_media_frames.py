"""FrameReader: sequential decoding, frame-accurate seeking, sizes and formats."""
from __future__ import annotations

import numpy as np
import pytest

from engine.media import Frame, FrameReader, iter_frames, read_frame

SEEK_FILES = [
    "sources/asl_book.mkv",  # Matroska, one keyframe
    "sources/bbb_0_30.webm",  # VP8, several keyframes
    "formats/vp9_opus.webm",
    "formats/hevc_hvc1.mp4",
    "bad/vfr.mp4",
    "sequences/seq00_24fps.mp4",  # H.264 with B-frames and 23 keyframes
    "formats/prores_proxy.mov",  # indexed from the MOV sample table, not by demuxing
]


@pytest.mark.parametrize("name", SEEK_FILES)
def test_read_gives_the_same_pixels_as_sequential_decoding(media, name):
    with FrameReader(media / name, size=(64, 36)) as reader:
        sequential = list(reader.frames())
        count = reader.info.video.frame_count
        assert [f.index for f in sequential] == list(range(count))
        # Backwards, across keyframes, then forward steps: every path through _position.
        targets = sorted({0, 1, count // 3, count // 2, count - 2, count - 1}, reverse=True)
        for index in targets + [count // 3, count // 3 + 1, count // 3 + 5]:
            frame = reader.read(index)
            assert frame.index == index
            assert frame.time == sequential[index].time
            assert np.array_equal(frame.image, sequential[index].image), f"{name} frame {index}"


def test_read_at_full_size_matches_too(media):
    path = media / "sources/bbb_0_30.webm"
    with FrameReader(path) as reader:
        sequential = {f.index: f.image for f in reader.frames(0, 300)}
    for index in (299, 150, 140, 11, 10):
        assert np.array_equal(read_frame(path, index).image, sequential[index])


def test_stepping_forward_does_not_seek(media):
    with FrameReader(media / "sources/asl_book.mkv", size=(48, 27)) as reader:
        reader.read(10)
        assert reader.frames_decoded == 11
        reader.read(11)
        reader.read(12)
        assert reader.frames_decoded == 13
        # Chunks that follow on from each other continue the same decode.
        assert [f.index for f in reader.frames(13, 20)] == list(range(13, 20))
        assert [f.index for f in reader.frames(20, 30)] == list(range(20, 30))
        assert reader.frames_decoded == 30


def test_seeking_decodes_from_the_nearest_keyframe_only(media):
    path = media / "sequences/seq00_24fps.mp4"
    with FrameReader(path, size=(48, 27)) as reader:
        reader.read(700)  # keyframe at 701 is after it; 653 is the one before
        assert reader.frames_decoded < 60


def test_frames_range_and_times(media):
    path = media / "sequences/seq02_29p97fps.mp4"
    frames = list(iter_frames(path, size=(48, 27), start=100, end=110))
    assert [f.index for f in frames] == list(range(100, 110))
    assert [f.time for f in frames] == pytest.approx([i * 1001 / 30000 for i in range(100, 110)])
    assert all(isinstance(f, Frame) for f in frames)
    assert list(iter_frames(path, start=5, end=5)) == []
    assert len(list(iter_frames(path, size=(8, 8), start=780, end=10_000))) == 8


@pytest.mark.parametrize("pix_fmt", ["rgb24", "bgr24", "gray"])
def test_pixel_formats(media, pix_fmt):
    frame = read_frame(media / "sources/tears_of_steel_0500.mp4", 30, size=(48, 27), pix_fmt=pix_fmt)
    assert frame.image.shape == ((27, 48) if pix_fmt == "gray" else (27, 48, 3))
    assert frame.image.dtype == np.uint8 and frame.image.flags.c_contiguous


def test_bgr_is_rgb_reversed(media):
    path = media / "sources/tears_of_steel_0500.mp4"
    rgb = read_frame(path, 30).image
    bgr = read_frame(path, 30, pix_fmt="bgr24").image
    assert np.array_equal(rgb[..., ::-1], bgr)


def test_thread_count_does_not_change_pixels(media):
    path = media / "formats/hevc_hvc1.mp4"
    with FrameReader(path, size=(48, 27), threads=1) as one, FrameReader(path, size=(48, 27)) as auto:
        for a, b in zip(one.frames(), auto.frames(), strict=True):
            assert np.array_equal(a.image, b.image)


def test_bad_arguments(media):
    path = media / "bad/one_frame.mp4"
    with pytest.raises(ValueError):
        FrameReader(path, pix_fmt="yuv420p")
    with pytest.raises(ValueError):
        FrameReader(path, size=(0, 10))
    with FrameReader(path) as reader:
        with pytest.raises(IndexError):
            reader.read(-1)
        with pytest.raises(ValueError):
            list(reader.frames(-1))


def test_a_read_during_iteration_is_refused(media):
    with FrameReader(media / "sources/asl_book.mkv", size=(48, 27)) as reader:
        frames = reader.frames()
        next(frames)
        reader.read(50)
        with pytest.raises(RuntimeError):
            next(frames)


def test_close_is_idempotent_and_final(media):
    reader = FrameReader(media / "bad/one_frame.mp4")
    reader.close()
    reader.close()
    with pytest.raises(ValueError):
        reader.read(0)
