"""Per-shot features respond as they should on controlled clips written here with PyAV."""
from __future__ import annotations

import threading
from fractions import Fraction

import av
import cv2
import numpy as np
import pytest

from engine.affect import default_model
from engine.affect import sound as snd
from engine.affect.features import FEATURE_NAMES, TRACKS, features_job
from engine.jobs import Cancelled, drive
from engine.shots import Shot, ShotList

W, H, FPS = 320, 180, 24


def write_clip(path, frames, fps: int = FPS, audio: np.ndarray | None = None):
    """Encode RGB frames (and optional (2, n) float32 48 kHz sound) as H.264/AAC MP4."""
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=fps)
        video.width, video.height = frames[0].shape[1], frames[0].shape[0]
        video.pix_fmt = "yuv420p"
        video.options = {"crf": "10", "preset": "ultrafast"}
        sound = None
        if audio is not None:
            sound = out.add_stream("aac", rate=snd.SAMPLE_RATE)
            sound.layout = "stereo"
        for image in frames:
            out.mux(video.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")))
        out.mux(video.encode())
        if sound is not None:
            for at in range(0, audio.shape[1], 1024):
                frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(audio[:, at:at + 1024], np.float32),
                                                   format="fltp", layout="stereo")
                frame.sample_rate = snd.SAMPLE_RATE
                frame.pts = at
                out.mux(sound.encode(frame))
            out.mux(sound.encode())
    return path


def texture(seed: int = 0, scale: int = 2) -> np.ndarray:
    """A smooth, coloured random texture larger than the frame (so it can pan)."""
    rng = np.random.default_rng(seed)
    base = cv2.GaussianBlur(rng.random((H * scale, W * scale, 3)).astype(np.float32), (0, 0), 4)
    base = (base - base.min()) / (base.max() - base.min())
    return (40 + 120 * base).astype(np.uint8)


def pan(tex: np.ndarray, n: int, step: int) -> list[np.ndarray]:
    return [tex[20:20 + H, 10 + k * step:10 + k * step + W] for k in range(n)]


def shot_list(n: int, *bounds: tuple[int, int]) -> ShotList:
    return ShotList(Fraction(FPS), n, [Shot(a, b) for a, b in bounds], [], np.zeros(n), np.zeros(n))


def measure(path, shots, **kw):
    return drive(features_job(path, shots, cache=kw.pop("cache", None), **kw))


def test_brightened_clip_raises_brightness_and_valence(tmp_path):
    frames = pan(texture(1), 24, 1)
    bright = [cv2.convertScaleAbs(f, alpha=1.3, beta=60) for f in frames]
    clip = write_clip(tmp_path / "bright.mp4", frames + bright)
    fs = measure(clip, shot_list(48, (0, 23), (24, 47)))
    dark, light = (s.values for s in fs.shots)
    assert light["brightness"] > dark["brightness"] + 0.2
    assert default_model.score(light).valence > default_model.score(dark).valence + 0.1
    # The per-frame track steps at the cut, frame-accurately.
    track = fs.tracks["brightness"]
    assert track[23] < track[24] - 0.2
    assert set(fs.tracks) == set(TRACKS) and all(len(t) == 48 for t in fs.tracks.values())


def test_frozen_clip_has_near_zero_motion_and_pans_are_camera_motion(tmp_path):
    tex = texture(2)
    moving = pan(tex, 24, 3)
    frozen = [tex[:H, :W]] * 24
    # A bright square crossing a still background: subject motion, not camera.
    still = tex[H:2 * H, W:2 * W].copy()
    subject = []
    for k in range(24):
        f = still.copy()
        f[60:100, 20 + 8 * k:60 + 8 * k] = (250, 250, 250)
        subject.append(f)
    clip = write_clip(tmp_path / "motion.mp4", moving + frozen + subject)
    fs = measure(clip, shot_list(72, (0, 23), (24, 47), (48, 71)))
    panning, still_shot, crossing = (s.values for s in fs.shots)
    assert still_shot["motion"] < 0.01
    assert panning["motion"] > 20 * max(still_shot["motion"], 1e-3)
    # 3 px a frame at 320 wide, 24 fps: 0.225 frame widths a second.
    assert panning["camera_motion"] == pytest.approx(0.225, rel=0.3)
    assert panning["camera_motion"] > 3 * panning["subject_motion"]
    assert crossing["subject_motion"] > 2 * crossing["camera_motion"]
    # Picture change (grey levels a frame): none in the frozen shot, none across its cut.
    assert still_shot["picture_change"] < 0.5
    assert min(panning["picture_change"], crossing["picture_change"]) > 10 * max(still_shot["picture_change"], 0.1)
    # The first frame after a cut has no flow of its own (a cut is not motion).
    assert np.isnan(fs.tracks["motion"][0]) or fs.shots[0].values["motion"] > 0


def test_loud_section_raises_loudness_and_arousal(tmp_path):
    rng = np.random.default_rng(3)
    n = 48
    seconds = n / FPS
    noise = rng.standard_normal((2, int(seconds * snd.SAMPLE_RATE))).astype(np.float32)
    half = noise.shape[1] // 2
    noise[:, :half] *= 0.003   # about -50 dBFS
    noise[:, half:] *= 0.2     # about -14 dBFS
    frames = [texture(4)[:H, :W]] * n
    clip = write_clip(tmp_path / "loud.mp4", frames, audio=noise)
    fs = measure(clip, shot_list(n, (0, 23), (24, 47)))
    quiet, loud = (s.values for s in fs.shots)
    assert fs.has_sound and quiet["has_sound"] == loud["has_sound"] == 1.0
    assert loud["loudness"] > quiet["loudness"] + 25
    assert -20 < loud["loudness"] < -5
    a_quiet, a_loud = default_model.score(quiet), default_model.score(loud)
    # A still picture keeps both low (arousal 0.07 -> 0.15): loudness is one term of several.
    assert a_loud.arousal > a_quiet.arousal + 0.06
    # the inspector names loudness against the file's own level as what moved it
    push = [{c.feature: c.contribution for c in s.explanation if c.target == "arousal"} for s in (a_quiet, a_loud)]
    assert push[1]["loudness_rel"] - push[0].get("loudness_rel", 0.0) > 0.05
    assert loud["loudness_rel"] > quiet["loudness_rel"] + 20
    assert fs.tracks["loudness"][40] > fs.tracks["loudness"][8] + 25


def test_no_audio_is_reported_not_failed(tmp_path):
    clip = write_clip(tmp_path / "silent film.mp4", pan(texture(5), 24, 1))
    fs = measure(clip, shot_list(24, (0, 23)))
    values = fs.shots[0].values
    assert not fs.has_sound
    assert values["has_sound"] == 0.0 and values["loudness"] == snd.FLOOR_LUFS
    # No sound says nothing about the mood: no sound term moves the scores.
    sound_terms = {"loudness", "loudness_rel", "onset_rate", "silence", "tempo"}
    assert not sound_terms & {c.feature for c in default_model.score(values).explanation}
    assert set(values) == set(FEATURE_NAMES)


def test_faces_and_expressions_only_where_faces_are(media):
    clip = media / "sources" / "asl_book.mkv"  # a signer framed hip-up, 109 frames at 30 fps
    n = 109
    shots = ShotList(Fraction(30), n, [Shot(0, n - 1)], [], np.zeros(n), np.zeros(n))
    fs = measure(clip, shots)
    values = fs.shots[0].values
    assert values["face_count"] >= 1 and values["face_frames"] >= 0.5
    assert fs.shots[0].shot_scale == "medium"
    probs = [values[f"face_{e}"] for e in ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")]
    assert sum(probs) == pytest.approx(1.0, abs=1e-3)
    assert len(fs.shots[0].palette) >= 3 and fs.shots[0].palette[0][0].startswith("#")
    llama = media / "sources" / "caminandes_llama_drama.mp4"
    fs = measure(llama, ShotList(Fraction(24), 48, [Shot(0, 47)], [], np.zeros(48), np.zeros(48)))
    assert fs.shots[0].values["face_count"] == 0 and fs.shots[0].shot_scale is None


def test_results_are_cached_per_shot(tmp_path, monkeypatch):
    from engine.affect import features as features_module
    from engine.cache.store import AnalysisCache

    clip = write_clip(tmp_path / "cached.mp4", pan(texture(6), 48, 2))
    cache = AnalysisCache(tmp_path / "cache.sqlite")
    first = measure(clip, shot_list(48, (0, 23), (24, 47)), cache=cache)
    seen = []
    real = features_module._picture_pass

    def spy(path, shots, missing, *rest):
        seen.append(list(missing))
        return (yield from real(path, shots, missing, *rest))

    monkeypatch.setattr(features_module, "_picture_pass", spy)
    again = measure(clip, shot_list(48, (0, 23), (24, 47)), cache=cache)
    assert seen == []
    assert again.shots[1].values == first.shots[1].values
    # The editor splits the second shot: only the two new shots are decoded.
    split = measure(clip, shot_list(48, (0, 23), (24, 35), (36, 47)), cache=cache)
    assert seen == [[Shot(24, 35), Shot(36, 47)]]
    assert split.shots[0].values == first.shots[0].values


def test_progress_and_cancel(tmp_path):
    clip = write_clip(tmp_path / "long.mp4", pan(texture(7), 96, 1))
    messages = []
    cancel = threading.Event()

    def progress(fraction, message):
        messages.append(fraction)
        if fraction > 0.1:
            cancel.set()

    before = threading.active_count()
    with pytest.raises(Cancelled):
        drive(features_job(clip, shot_list(96, (0, 95))), progress, cancel)
    assert messages and messages == sorted(messages)
    assert threading.active_count() == before  # the decode thread stopped with the job
