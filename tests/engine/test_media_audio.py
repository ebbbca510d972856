"""iter_audio / read_audio: shape, rate, duration, channel mixing, sync after damage."""
from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

from engine.media import MediaError, iter_audio, read_audio


def test_vorbis_in_webm(media):
    sound = read_audio(media / "sources/bbb_0_30.webm", sample_rate=16000, channels=1)
    assert sound.dtype == np.float32 and sound.shape[0] == 1
    assert sound.shape[1] / 16000 == pytest.approx(30.0, abs=0.05)
    assert 0.01 < np.sqrt(np.mean(sound**2)) < 0.5


def test_chunks_have_one_size_except_the_last(media):
    chunks = list(iter_audio(media / "sources/bbb_0_30.webm", sample_rate=48000, channels=2))
    assert {c.shape for c in chunks[:-1]} == {(2, 48000)}
    assert 0 < chunks[-1].shape[1] <= 48000
    assert all(c.dtype == np.float32 and c.flags.c_contiguous for c in chunks)
    total = sum(c.shape[1] for c in chunks)
    assert total == read_audio(media / "sources/bbb_0_30.webm").shape[1]


def test_six_channel_opus_is_mixed_down(media):
    path = media / "sources/physicsworks_lecture_audio.webm"
    stereo = read_audio(path, sample_rate=8000, channels=2)
    assert stereo.shape[0] == 2
    assert stereo.shape[1] / 8000 == pytest.approx(203.3, abs=0.1)
    first = next(iter_audio(path, sample_rate=8000, channels=6, chunk_seconds=2.0))
    assert first.shape == (6, 16000)


def test_no_audio_stream_is_refused_when_called(media):
    with pytest.raises(MediaError) as caught:
        iter_audio(media / "bad/video_no_audio.mp4")  # not even iterated
    assert str(caught.value) == "video_no_audio.mp4: no audio stream"


def test_bad_arguments(media):
    with pytest.raises(ValueError):
        iter_audio(media / "bad/audio_only.m4a", sample_rate=0)


def test_lost_packets_leave_silence_so_sound_stays_in_sync(media):
    damaged = read_audio(media / "bad/corrupted_middle.mp4", sample_rate=8000, channels=1)
    intact = read_audio(media / "bad/moov_at_end.mp4", sample_rate=8000, channels=1)
    # 14 AAC packets (0.33 s) fail to decode; dropping them would pull the rest earlier.
    assert abs(damaged.shape[1] - intact.shape[1]) <= 8  # 1 ms
    assert np.allclose(damaged[:, :8000], intact[:, :8000], atol=1e-4)


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg not on PATH")
def test_sound_starting_late_is_preceded_by_silence(media, tmp_path):
    late = tmp_path / "late sound.mp4"
    command = ["ffmpeg", "-v", "error", "-nostdin", "-i", str(media / "bad/video_no_audio.mp4"),
               "-itsoffset", "0.5", "-i", str(media / "bad/audio_only.m4a"),
               "-map", "0:v", "-map", "1:a", "-c", "copy", str(late)]
    subprocess.run(command, check=True)
    sound = read_audio(late, sample_rate=8000, channels=1)[0]
    # AAC priming (1024 samples at 44.1 kHz) puts the first sound at 0.477 s.
    assert np.abs(sound[: int(0.47 * 8000)]).max() < 2e-3
    assert np.abs(sound[int(0.5 * 8000) : 8000]).max() > 0.01
    assert len(sound) / 8000 == pytest.approx(0.477 + 8.0, abs=0.05)


def test_audio_from_a_start_time_matches_the_same_span_of_a_full_decode(media):
    from engine.media import iter_audio, read_audio

    clip = media / "sources" / "bbb_0_30.webm"
    full = read_audio(clip, 48000, 2)
    part = np.concatenate(list(iter_audio(clip, 48000, 2, chunk_seconds=1.0, start=12.5)), axis=1)
    offset = 12 * 48000 + 24000
    assert abs(part.shape[1] - (full.shape[1] - offset)) <= 48  # same end, within 1 ms
    # A decoder restarted at a seek point places packets to within a millisecond of a full
    # decode (timestamp jitter) and its first samples differ while it warms up.
    window = part[0, 9600:19200]
    errors = {d: np.abs(full[0, offset + 9600 + d:offset + 19200 + d] - window).max()
              for d in range(-48, 49)}
    shift = min(errors, key=errors.get)
    assert errors[shift] < 0.05 and abs(shift) <= 48
