"""Tracking: known synthetic motion of a real frame is recovered; track export and CLI."""
from __future__ import annotations

import json
from fractions import Fraction

import cv2
import numpy as np
import pytest

from engine.jobs import drive
from engine.media import read_frame
from engine.vfx import motion
from engine.vfx.trackdata import CameraTrack
from engine.vfx.tracking import Tracker, TrackerSettings, track_frames

CROP = (80, 45)  # the synthetic frames are the centre of the warped picture: no borders


@pytest.fixture(scope="module")
def still(media):
    return read_frame(media / "sources" / "tears_of_steel_0500.mp4", 45).image


def _sequence(still, matrices):
    """Frames of ``still`` warped by each matrix (about the centre), cropped, with exact truth."""
    h, w = still.shape[:2]
    ox, oy = CROP
    centre = np.array([[1, 0, w / 2], [0, 1, h / 2], [0, 0, 1.0]])
    offset = np.array([[1, 0, ox], [0, 1, oy], [0, 0, 1.0]])
    frames, truth = [], []
    for m in matrices:
        full = centre @ m @ np.linalg.inv(centre)
        frames.append(cv2.warpPerspective(still, full, (w, h), flags=cv2.INTER_LINEAR)[oy:h - oy, ox:w - ox])
        g = np.linalg.inv(offset) @ full @ offset
        truth.append(g / g[2, 2])
    return frames, truth


def _rms(a, b, w, h):
    grid = np.stack(np.meshgrid(np.linspace(0, w, 9), np.linspace(0, h, 9)), -1).reshape(-1, 2)
    return float(np.sqrt(np.mean(np.sum((motion.apply(a, grid) - motion.apply(b, grid)) ** 2, axis=1))))


def test_recovers_synthetic_homographies_within_half_a_pixel(still):
    matrices = []
    for k in range(10):
        a, s = np.deg2rad(0.4 * k), 1 + 0.005 * k
        matrices.append(np.array([[s * np.cos(a), -s * np.sin(a), 3.0 * k],
                                  [s * np.sin(a), s * np.cos(a), -2.0 * k],
                                  [3e-5 * k, -2e-5 * k, 1.0]]))
    frames, truth = _sequence(still, matrices)
    result = drive(track_frames(frames))
    h, w = frames[0].shape[:2]
    errors = [_rms(m.homography, t, w, h) for m, t in zip(result, truth)]
    assert max(errors) < 0.5, errors
    assert result[-1].model == "homography"


def test_pure_shift_is_modelled_as_a_translation(still):
    frames, truth = _sequence(still, [np.array([[1, 0, 1.5 * k], [0, 1, -0.7 * k], [0, 0, 1.0]])
                                      for k in range(6)])
    result = drive(track_frames(frames))
    assert {m.model for m in result[1:]} == {"translation"}
    assert np.allclose(result[-1].homography[:2, 2], truth[-1][:2, 2], atol=0.1)


def test_downscaled_tracking_reports_full_size_matrices(still):
    frames, truth = _sequence(still, [np.array([[1, 0, 2.0 * k], [0, 1, 1.0 * k], [0, 0, 1.0]])
                                      for k in range(5)])
    tracker = Tracker(TrackerSettings(max_width=240))
    result = [tracker.feed(f) for f in frames]
    assert np.allclose(result[-1].homography[:2, 2], truth[-1][:2, 2], atol=0.25)


def test_planar_region_follows_its_surface(still):
    # The region moves by its own homography; the rest of the picture stays still.
    h, w = still.shape[:2]
    region = np.array([[200, 100], [420, 100], [420, 260], [200, 260]], float)
    frames, expected = [], []
    for k in range(6):
        m = np.array([[1 + 0.01 * k, 0.004 * k, 2.0 * k], [0.0, 1.0, 1.5 * k], [1e-5 * k, 0, 1.0]])
        moved = cv2.warpPerspective(still, m, (w, h))
        mask = np.zeros((h, w), np.uint8)
        cv2.fillPoly(mask, [np.round(motion.apply(m, region)).astype(np.int32)], 1)
        frames.append(np.where(mask[..., None] == 1, moved, still))
        expected.append(motion.apply(m, region))
    inner = region + [[15, 15], [-15, 15], [-15, -15], [15, -15]]  # away from the seam
    result = drive(track_frames(frames, region=inner))
    got = motion.apply(result[-1].homography, region)
    assert np.sqrt(np.mean(np.sum((got - expected[-1]) ** 2, axis=1))) < 0.5


def test_track_json_round_trips():
    hs = np.stack([np.eye(3), np.array([[1.01, 0, 3], [0, 1, -2], [1e-5, 0, 1]])])
    track = CameraTrack(source="a.mov", start=100, width=1920, height=1080,
                        frame_rate=Fraction(24000, 1001), homographies=hs,
                        models=["identity", "homography"], inliers=np.array([300, 280]),
                        rms=np.array([0.0, 0.12]), region=np.array([[0, 0], [10, 0], [10, 10]], float))
    data = json.loads(json.dumps(track.to_dict()))
    assert [f["frame"] for f in data["frames"]] == [100, 101]
    assert data["frame_rate"] == "24000/1001"
    back = CameraTrack.from_dict(data)
    assert np.allclose(back.homographies, hs) and back.frame_rate == Fraction(24000, 1001)
    assert np.allclose(back.region_at(1), track.region_at(1))


def test_cli_track_prints_homographies_from_the_start_frame(media, capsys):
    import engine.cli

    clip = media / "sources" / "tears_of_steel_0500.mp4"
    assert engine.cli.main(["vfx", "track", str(clip), "--start", "30", "--end", "36", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data) == ["frames"]
    assert [f["frame"] for f in data["frames"]] == list(range(30, 36))
    assert np.allclose(data["frames"][0]["homography"], np.eye(3))
    assert all(np.array(f["homography"]).shape == (3, 3) for f in data["frames"])
