"""Issue #21: media files that lie about themselves are refused or warned about, never crash.

Every file is generated here: a video stream with no decodable frame, a 16000x16000 PNG
named .mp4 (under 1 MB on disk, 768 MB decoded), and a real MKV cut short.
"""
from __future__ import annotations

import shutil
import struct
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import av
import numpy as np
import pytest

from engine.cli import main
from engine.media import FrameReader, MediaError, probe
from engine.media.container import MAX_PIXELS

REPO = Path(__file__).resolve().parents[2]


def video_header_without_frames(path: Path) -> Path:
    """An MKV whose video track has a header (codec, size) and no packet; sound is real."""
    with av.open(str(path), "w") as out:
        video = out.add_stream("mpeg4", rate=24)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        sound = out.add_stream("aac", rate=48000)
        out.start_encoding()
        for i in range(20):
            frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
            frame.sample_rate, frame.pts = 48000, i * 1024
            for packet in sound.encode(frame):
                out.mux(packet)
        for packet in sound.encode():
            out.mux(packet)
    return path


def garbage_frames(path: Path) -> Path:
    """An MKV whose MJPEG video packets hold no picture at all."""
    with av.open(str(path), "w") as out:
        video = out.add_stream("mjpeg", rate=24)
        video.width, video.height, video.pix_fmt = 64, 48, "yuvj420p"
        out.start_encoding()
        for i in range(10):
            packet = av.Packet(b"\x00garbage" * 20)
            packet.stream, packet.pts, packet.dts, packet.time_base = video, i, i, video.time_base
            out.mux(packet)
    return path


def huge_png(path: Path, width: int = 16000, height: int = 16000) -> Path:
    """A one-colour PNG: tiny on disk, ``width * height * 3`` bytes once decoded."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    packer = zlib.compressobj(9)
    rows = b"\x00" * ((width * 3 + 1) * 500)  # filter byte + black pixels, 500 rows at a time
    pixels = b"".join(packer.compress(rows) for _ in range(height // 500)) + packer.flush()
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", pixels) + chunk(b"IEND", b""))
    return path


# -- no decodable frames -------------------------------------------------------------------

@pytest.mark.parametrize("make", [video_header_without_frames, garbage_frames])
def test_video_without_decodable_frames_is_refused_by_probe(tmp_path, make):
    path = make(tmp_path / "clip.mkv")
    with pytest.raises(MediaError) as caught:
        probe(path)
    assert str(caught.value) == "clip.mkv: no decodable video frames"
    with pytest.raises(MediaError, match="no decodable video frames"):
        FrameReader(path)


def test_pipeline_goes_on_past_a_video_without_frames(media, tmp_path, capsys):
    bad = video_header_without_frames(tmp_path / "empty.mkv")
    out = tmp_path / "out"
    assert main(["pipeline", "--out", str(out), str(bad), str(media / "sources" / "asl_yes.mkv")]) == 1
    captured = capsys.readouterr()
    assert "moviola-cli: empty.mkv: no decodable video frames" in captured.err.splitlines()
    assert "Traceback" not in captured.err
    assert (out / "posters" / "asl_yes.png").is_file() and (out / "demo.moviola").is_file()


# -- pixel budget --------------------------------------------------------------------------

def test_huge_png_named_mp4_is_refused_at_probe(tmp_path):
    path = huge_png(tmp_path / "holiday.mp4")
    assert path.stat().st_size < 1_000_000 and 16000 * 16000 > MAX_PIXELS
    with pytest.raises(MediaError) as caught:
        probe(path)
    assert str(caught.value) == "holiday.mp4: picture 16000x16000 is larger than the 8192x8192 limit"
    with pytest.raises(MediaError, match="larger than the 8192x8192 limit"):
        FrameReader(path)


def test_huge_picture_in_a_real_container_is_refused(tmp_path):
    png = huge_png(tmp_path / "frame.png", 9000, 8000).read_bytes()
    path = tmp_path / "clip.mov"
    with av.open(str(path), "w") as out:
        video = out.add_stream("png", rate=24)
        video.width, video.height, video.pix_fmt = 9000, 8000, "rgb24"
        for i in range(2):
            packet = av.Packet(png)
            packet.stream, packet.pts, packet.dts = video, i, i
            out.mux(packet)
    with pytest.raises(MediaError, match="picture 9000x8000 is larger than the 8192x8192 limit"):
        probe(path)


def test_refusing_a_huge_picture_costs_little_memory(tmp_path):
    path = huge_png(tmp_path / "holiday.mp4")
    if not Path("/proc/self/status").is_file():
        pytest.skip("measures peak memory with Linux's /proc/self/status")
    # VmHWM, not ru_maxrss: a child's ru_maxrss includes its parent's peak from before exec.
    code = textwrap.dedent(f"""
        from engine.media import MediaError, probe, FrameReader
        for attempt in (probe, FrameReader):
            try:
                attempt({str(path)!r})
            except MediaError as exc:
                print(exc)
        status = open("/proc/self/status").read()
        print(int(status.split("VmHWM:")[1].split()[0]) // 1024)
    """)
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    *errors, peak_mb = result.stdout.split("\n")[:-1]
    assert errors == ["holiday.mp4: picture 16000x16000 is larger than the 8192x8192 limit"] * 2
    assert int(peak_mb) < 400, f"peak RSS {peak_mb} MB (decoding it takes over 800 MB)"


def test_pictures_up_to_the_limit_are_still_read(media):
    assert probe(media / "bad" / "odd_1281x719.mp4").video.width == 1281


# -- a file cut short ----------------------------------------------------------------------

def test_mkv_cut_short_is_warned_about_and_not_called_vfr(media, tmp_path):
    whole = media / "sources" / "asl_yes.mkv"
    data = whole.read_bytes()
    cut = tmp_path / "asl_yes.mkv"
    cut.write_bytes(data[: int(len(data) * 0.89)])  # 11 % missing, no error from the demuxer
    full, short = probe(whole), probe(cut)
    assert full.warnings == () and not full.video.is_vfr
    assert not short.video.is_vfr and short.video.frame_rate == full.video.frame_rate
    assert len(short.warnings) == 1 and short.warnings[0].startswith("file ends early: 11% of its data is missing")
    assert short.video.frame_count < full.video.frame_count
    assert short.duration < full.duration  # the readable part, not the advertised length


def test_remuxed_mkv_cut_short_is_warned_about(media, tmp_path):
    whole = tmp_path / "tears.mkv"
    with av.open(str(media / "sources" / "tears_of_steel_0500.mp4")) as source, av.open(str(whole), "w") as out:
        streams = {s.index: out.add_stream_from_template(s) for s in source.streams if s.type == "video"}
        for packet in source.demux(*source.streams.video):
            if packet.dts is not None:
                packet.stream = streams[packet.stream.index]
                out.mux(packet)
    cut = tmp_path / "tears cut.mkv"
    shutil.copy(whole, cut)
    with cut.open("r+b") as handle:
        handle.truncate(int(whole.stat().st_size * 0.89))
    info = probe(cut)
    assert not info.video.is_vfr and info.warnings and "of 10.0 s" in info.warnings[0]


# -- found by benchmarks/fuzz.py -----------------------------------------------------------

def test_video_codec_without_a_decoder_is_described_not_a_crash(media, tmp_path):
    data = (media / "sources" / "asl_yes.mkv").read_bytes()
    assert data.count(b"V_MPEG4/ISO/AVC") == 1
    path = tmp_path / "clip.mkv"
    path.write_bytes(data.replace(b"V_MPEG4/ISO/AVC", b"V_MPEG4/ISO/XYZ"))  # a codec nobody decodes
    info = probe(path)  # was: AttributeError: 'VideoStream' object has no attribute 'codec'
    assert info.video.codec and any("no decoder for video codec" in w for w in info.warnings)
    with pytest.raises(MediaError, match="no decoder for video codec"):
        FrameReader(path)


class _SeekRefused:
    """A container whose seek fails the way FFmpeg's does on some damaged files."""

    def __init__(self, container):
        self._container = container

    def seek(self, *args, **kwargs):
        raise av.error.PermissionError(1, "Operation not permitted")

    def __getattr__(self, name):
        return getattr(self._container, name)


def test_a_failing_seek_falls_back_to_decoding_from_the_start(media):
    path = media / "sources" / "asl_yes.mkv"
    with FrameReader(path, size=(64, 48)) as expected:
        want = expected.read(10).image
    with FrameReader(path, size=(64, 48)) as reader:
        reader.read(60)
        reader._container = _SeekRefused(reader._container)
        frame = reader.read(10)  # backwards: a seek. Was: av.error.PermissionError out of read()
        assert frame.index == 10 and np.array_equal(frame.image, want)
        assert any(w.startswith("cannot seek") for w in reader.warnings)
