"""Stabilisation: a synthetically shaken real clip comes out steady."""
from __future__ import annotations

from fractions import Fraction

import cv2
import numpy as np

from engine.jobs import drive
from engine.media import FrameReader, probe
from engine.vfx.stabilize import StabilizeSettings, jitter, plan, stabilize_frames, stabilize_shot
from engine.vfx.trackdata import CameraTrack
from engine.vfx.tracking import track_frames

SIZE = (384, 216)
OUT = (320, 180)


def _shaken(media, n=36, seed=3):
    """A static-camera clip with hand-held-like shake added: (frames, fps)."""
    path = media / "sources" / "intel_bottle_detection.mp4"
    rng = np.random.default_rng(seed)
    frames = []
    with FrameReader(path, size=SIZE) as reader:
        fps = float(reader.info.video.frame_rate)
        for frame in reader.frames(0, n):
            dx, dy = rng.normal(0, 4.0, 2)
            angle = rng.normal(0, 0.6)
            m = cv2.getRotationMatrix2D((SIZE[0] / 2, SIZE[1] / 2), angle, 1.0)
            m[:, 2] += (dx, dy)
            shaken = cv2.warpAffine(frame.image, m, SIZE, flags=cv2.INTER_LINEAR)
            ox, oy = (SIZE[0] - OUT[0]) // 2, (SIZE[1] - OUT[1]) // 2
            frames.append(shaken[oy:oy + OUT[1], ox:ox + OUT[0]])
    return frames, fps


def _measure(frames, fps):
    hs = np.array([m.homography for m in drive(track_frames(frames))])
    return hs, jitter(hs, OUT[0], OUT[1], fps)


def test_stabilisation_removes_most_of_the_shake(media):
    frames, fps = _shaken(media)
    hs, before = _measure(frames, fps)
    track = CameraTrack("shaken", 0, OUT[0], OUT[1], Fraction(fps).limit_denominator(1000), hs)
    stab = plan(track, StabilizeSettings(strength=0.5))
    steady = list(stabilize_frames(frames, stab))
    _, after = _measure(steady, fps)
    assert before > 2.0  # the shake is really there
    assert after <= 0.2 * before, (before, after)
    assert 0.6 < stab.crop_scale < 1.0  # cropped, but only as much as the shake needs


def test_lock_off_holds_one_framing(media):
    frames, fps = _shaken(media, n=20)
    hs, before = _measure(frames, fps)
    track = CameraTrack("shaken", 0, OUT[0], OUT[1], Fraction(30), hs)
    steady = list(stabilize_frames(frames, plan(track, StabilizeSettings(lock=True))))
    hs_after, after = _measure(steady, fps)
    drift = np.abs(hs_after[:, :2, 2]).max()
    assert after <= 0.2 * before and drift < 1.0


def test_stabilize_shot_renders_and_reports(media, tmp_path):
    clip = media / "sources" / "tears_of_steel_0500.mp4"
    out = tmp_path / "steady.mp4"
    report = drive(stabilize_shot(clip, out, start=60, end=72))
    assert report.frames == 12 and probe(out).video.frame_count == 12
    assert (probe(out).video.width, probe(out).video.height) == (640, 360)
    assert report.jitter_after <= report.jitter_before + 0.05
