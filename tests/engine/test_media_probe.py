"""probe(): container facts, exact frame counts and rates, timecode, rotation."""
from __future__ import annotations

import json
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import pytest

from engine.media import AudioStreamInfo, MediaInfo, VideoStreamInfo, probe

needs_ffprobe = pytest.mark.skipif(shutil.which("ffprobe") is None, reason="ffprobe not on PATH")
needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg not on PATH")


def ffprobe(path: Path, *entries: str) -> str:
    command = ["ffprobe", "-v", "error", "-select_streams", "v:0", *entries, "-of", "csv=p=0", str(path)]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()


def media_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix in {".mp4", ".mkv", ".webm", ".mov", ".m4a"})


@needs_ffprobe
def test_frame_counts_agree_with_ffprobe_on_every_source_and_format(media):
    mismatches = {}
    for path in media_files(media / "sources") + media_files(media / "formats"):
        info = probe(path)
        if info.video is None:
            continue
        decoded = int(ffprobe(path, "-count_frames", "-show_entries", "stream=nb_read_frames"))
        if info.video.frame_count != decoded:
            mismatches[path.name] = (info.video.frame_count, decoded)
    assert not mismatches, f"(ours, ffprobe -count_frames): {mismatches}"


def test_sequences_agree_with_their_truth(media):
    for truth_file in sorted((media / "sequences").glob("*.json")):
        truth = json.loads(truth_file.read_text())
        info = probe(truth_file.with_name(truth["file"]))
        video = info.video
        assert video.frame_count == truth["frame_count"], truth["file"]
        assert video.frame_rate == Fraction(truth["fps_rational"]), truth["file"]
        assert (video.width, video.height) == (truth["width"], truth["height"])
        assert bool(info.audio) == truth["has_audio"], truth["file"]
        assert video.duration == pytest.approx(truth["duration_s"], abs=1e-3)
        assert not video.is_vfr


@pytest.mark.parametrize(
    ("name", "rate"),
    [
        ("formats/h264_29.97fps_timecode_df.mov", Fraction(30000, 1001)),
        ("formats/h264_23.976fps_timecode.mov", Fraction(24000, 1001)),
        ("sequences/seq02_29p97fps.mp4", Fraction(30000, 1001)),
        ("sources/intel_bottle_detection.mp4", Fraction(179, 6)),
        ("sources/asl_book.mkv", Fraction(30)),  # Matroska: millisecond timestamps
        ("sources/bbb_0_30.webm", Fraction(24)),
        ("formats/prores_proxy.mov", Fraction(24)),
        ("bad/one_frame.mp4", Fraction(24)),  # no spacing to measure: declared rate
    ],
)
def test_frame_rate_is_exact(media, name, rate):
    video = probe(media / name).video
    assert video.frame_rate == rate
    assert isinstance(video.frame_rate, Fraction)
    assert not video.is_vfr


def test_variable_frame_rate_is_detected_from_timestamps(media):
    video = probe(media / "bad/vfr.mp4").video
    assert video.is_vfr
    # The mean rate (ffprobe's avg_frame_rate): 65 frames over 3.567 s.
    assert video.frame_rate == Fraction(1950, 107)
    # 30 frames at 1/30 s, 10 at 1/10 s, 25 at 1/15 s (bad/README.md says 64 frames, but
    # its own select expression keeps 65, as ffprobe -count_frames confirms).
    assert video.frame_count == 65


@pytest.mark.parametrize(
    ("name", "timecode"),
    [
        ("formats/h264_29.97fps_timecode_df.mov", "01:00:00;00"),
        ("formats/h264_23.976fps_timecode.mov", "00:59:58:00"),
        ("formats/hevc_hvc1.mp4", None),
        ("sources/asl_book.mkv", None),
    ],
)
def test_start_timecode(media, name, timecode):
    assert probe(media / name).start_timecode == timecode


def test_streams_are_described(media):
    info = probe(media / "formats/prores_proxy.mov")
    assert isinstance(info, MediaInfo) and isinstance(info.video, VideoStreamInfo)
    assert info.container == "mov,mp4,m4a,3gp,3g2,mj2"
    assert (info.video.codec, info.video.pix_fmt, info.video.profile) == ("prores", "yuv422p10le", "Proxy")
    assert info.video.rotation == 0
    assert info.audio == (AudioStreamInfo(1, "pcm_s16le", 2, 44100, "stereo", pytest.approx(2.0, abs=1e-3)),)
    assert info.size_bytes == (media / "formats/prores_proxy.mov").stat().st_size

    lecture = probe(media / "sources/physicsworks_lecture_audio.webm")
    assert lecture.video is None
    assert lecture.container == "matroska,webm"
    (audio,) = lecture.audio
    assert (audio.codec, audio.channels, audio.sample_rate, audio.layout) == ("opus", 6, 48000, "5.1")
    assert audio.duration == pytest.approx(203.301, abs=1e-3)  # from Matroska's DURATION tag
    assert lecture.duration == pytest.approx(203.301, abs=1e-3)


def test_hevc_and_vp9_are_read(media):
    hevc = probe(media / "formats/hevc_hvc1.mp4").video
    vp9 = probe(media / "formats/vp9_opus.webm").video
    assert (hevc.codec, hevc.frame_count, hevc.profile) == ("hevc", 97, "Main")
    assert (vp9.codec, vp9.frame_count) == ("vp9", 96)
    # The webm's video starts 49 ms into the file's timeline (its sound starts at 0).
    assert vp9.start_time == pytest.approx(0.049)


def test_to_dict_is_json_ready(media):
    info = probe(media / "formats/h264_29.97fps_timecode_df.mov")
    data = json.loads(json.dumps(info.to_dict()))
    assert data["video"]["frame_rate"] == "30000/1001"
    assert data["start_timecode"] == "01:00:00;00"
    assert data["path"] == str(info.path)
    assert data["audio"][0]["sample_rate"] == 44100
    assert data["warnings"] == []


def test_unicode_name_survives_json(media):
    info = probe(media / "bad/clip ünïcødé 映画.mp4")
    text = json.dumps(info.to_dict(), ensure_ascii=False)
    assert "clip ünïcødé 映画.mp4" in text
    assert info.video.frame_count == 96


def test_container_is_detected_by_content_not_extension(media, tmp_path):
    disguised = tmp_path / "really matroska.mp4"
    disguised.symlink_to(media / "sources/asl_book.mkv")
    info = probe(disguised)
    assert info.container == "matroska,webm"
    assert info.video.frame_count == 109


def test_moov_position_does_not_change_the_facts(media):
    end, start = probe(media / "bad/moov_at_end.mp4"), probe(media / "bad/moov_at_start.mp4")
    assert end.video == start.video
    assert end.audio == start.audio
    assert end.duration == start.duration


@needs_ffmpeg
@needs_ffprobe
def test_rotation_follows_the_display_matrix(media, tmp_path):
    rotated = tmp_path / "rotated.mp4"
    command = ["ffmpeg", "-v", "error", "-nostdin", "-i", str(media / "bad/one_frame.mp4"),
               "-c", "copy", "-metadata:s:v", "rotate=90", str(rotated)]
    subprocess.run(command, check=True)
    expected = int(float(ffprobe(rotated, "-show_entries", "stream_side_data=rotation")))
    assert expected != 0
    assert probe(rotated).video.rotation == expected % 360
