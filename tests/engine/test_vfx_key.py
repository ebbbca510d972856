"""Keying: the matte of a synthetic green-screen composite matches the known alpha."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from engine.media import read_frame
from engine.vfx.key import KeySettings, despill, key_image

SIZE = (320, 180)


@pytest.fixture(scope="module")
def composite(media):
    """A real frame over an unevenly lit, noisy screen through a soft-edged alpha."""
    fg = read_frame(media / "sources" / "tears_of_steel_0500.mp4", 45, size=SIZE).image
    fg = fg.astype(np.float32) / 255
    h, w = fg.shape[:2]
    alpha = np.zeros((h, w), np.float32)
    cv2.ellipse(alpha, (160, 95), (90, 70), 15, 0, 360, 1.0, -1)
    cv2.rectangle(alpha, (30, 20), (90, 160), 1.0, -1)
    alpha = cv2.GaussianBlur(alpha, (0, 0), 1.2)
    rng = np.random.default_rng(1)
    light = (0.65 + 0.35 * np.arange(w) / w)[None, :, None]  # falls off to the left
    screens = {"green": (0.15, 0.72, 0.22), "blue": (0.12, 0.25, 0.75)}

    def make(screen):
        bg = np.asarray(screens[screen], np.float32) * light + rng.normal(0, 0.02, (h, w, 3))
        comp = fg * alpha[..., None] + bg * (1 - alpha[..., None])
        return (np.clip(comp, 0, 1) * 255 + 0.5).astype(np.uint8)

    return make, alpha


def _iou(a, b):
    a, b = a > 0.5, b > 0.5
    return (a & b).sum() / (a | b).sum()


@pytest.mark.parametrize("screen", ["green", "blue"])
def test_matte_matches_known_alpha(composite, screen):
    make, truth = composite
    alpha, _ = key_image(make(screen), KeySettings(screen=screen))
    assert _iou(alpha, truth) >= 0.95


def test_garbage_matte_removes_everything_outside(composite):
    make, truth = composite
    keep = [[(120, 0), (320, 0), (320, 180), (120, 180)]]
    alpha, _ = key_image(make("green"), KeySettings(garbage=keep))
    assert alpha[:, :118].max() == 0.0
    assert _iou(alpha[:, 122:], truth[:, 122:]) >= 0.95


def test_spill_suppression_pulls_green_down_to_the_other_channels():
    spilled = np.array([[[0.5, 0.7, 0.4], [0.8, 0.3, 0.2]]], np.float32)
    clean = despill(spilled, "green", 1.0)
    assert clean[0, 0, 1] == pytest.approx(0.5) and np.allclose(clean[0, 1], spilled[0, 1])
    assert despill(spilled, "green", 0.5)[0, 0, 1] == pytest.approx(0.6)
