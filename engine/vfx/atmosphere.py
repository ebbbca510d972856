"""Full-frame elements: fog, light leak and film grain.

Fog and leaks are smooth, so they are computed at a fraction of the output size and
scaled up: the same picture for a small part of the cost.
"""
from __future__ import annotations

import zlib

import cv2
import numpy as np

from .elements import Element

_FOG_REDUCTION = 8
_LEAK_REDUCTION = 8


def _rng(element: Element, *extra: int) -> np.random.Generator:
    return np.random.default_rng([element.seed, zlib.crc32(element.kind.encode()), *extra])


def periodic_noise(shape: tuple[int, int], scale: float, rng: np.random.Generator) -> np.ndarray:
    """Smooth noise that tiles seamlessly (it is built in the frequency domain), in [0, 1].

    Args:
        shape: (rows, cols).
        scale: Size of the largest features in pixels.
    """
    h, w = shape
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.rfftfreq(w)[None, :]
    f = np.sqrt(fx**2 + fy**2)
    # 1/f^2 power falling off above 1/scale: cloudy, with detail at every smaller size.
    spectrum = 1.0 / np.maximum(f, 1.0 / scale) ** 1.6
    spectrum[0, 0] = 0.0
    noise = np.fft.irfft2(np.fft.rfft2(rng.standard_normal((h, w))) * spectrum, s=(h, w))
    noise = (noise - noise.mean()) / (noise.std() + 1e-9)
    return np.clip(0.5 + 0.2 * noise, 0.0, 1.0).astype(np.float32)


class Fog:
    """Drifting layered fog over a canvas of world pixels."""

    def __init__(self, element: Element, canvas: tuple[int, int], frame_height: int, fps: float):
        self.e = element
        self.w, self.h = canvas
        self.frame_height = frame_height
        r = _FOG_REDUCTION
        self.small = (max(8, self.w // r), max(8, self.h // r))
        self.textures = []
        for i in range(element.layers):
            rng = _rng(element, i)
            size = 0.6 * element.size * frame_height / r
            self.textures.append((periodic_noise(self.small[::-1], size, rng),
                                  periodic_noise(self.small[::-1], size * 0.5, rng)))

    def render(self, t: float) -> np.ndarray:
        e = self.e
        a = np.deg2rad(e.direction)
        d = np.array([np.cos(a), -np.sin(a)])
        alpha = np.zeros(self.small[::-1], np.float32)
        for i, (big, fine) in enumerate(self.textures):
            depth = (i + 1) / e.layers
            shift = d * e.speed * self.frame_height / _FOG_REDUCTION * t * (0.4 + 0.6 * depth)
            # Two octaves drifting at different rates make the fog evolve, not just slide.
            n = 0.65 * _shift_wrap(big, shift) + 0.35 * _shift_wrap(fine, shift * 1.7)
            # Density moves the threshold: thin fog is wisps, thick fog a veil.
            layer = np.clip((n - (0.62 - 0.45 * e.density)) / 0.3, 0.0, 1.0)
            layer = layer * layer * (3 - 2 * layer)
            alpha = 1.0 - (1.0 - alpha) * (1.0 - layer * (0.5 + 0.5 * depth))
        alpha = cv2.resize(alpha, (self.w, self.h), interpolation=cv2.INTER_CUBIC)
        alpha = np.clip(alpha, 0.0, 1.0) * e.opacity
        return _solid(alpha, e.colour)


class LightLeak:
    """Warm blobs of light drifting across the frame, in screen space."""

    def __init__(self, element: Element, size: tuple[int, int], fps: float):
        self.e = element
        self.w, self.h = size
        self.small = (max(8, self.w // _LEAK_REDUCTION), max(8, self.h // _LEAK_REDUCTION))
        rng = _rng(element)
        n = 2 + int(round(3 * element.density))
        self.centres = rng.uniform([-0.1, 0.0], [0.35, 1.0], (n, 2))  # mostly from one side
        self.radii = rng.uniform(0.25, 0.6, (n, 2)) * element.size
        self.rates = rng.uniform(0.5, 1.5, (n, 3))
        self.phases = rng.uniform(0, 2 * np.pi, (n, 3))
        base = np.asarray(element.colour)
        # Neighbouring hues of the chosen colour: leaks are never one flat tint.
        self.colours = np.clip(base * rng.uniform(0.8, 1.2, (n, 3)), 0, 1)

    def render(self, t: float) -> np.ndarray:
        e = self.e
        sw, sh = self.small
        yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
        xx /= sw
        yy /= sh
        energy = np.zeros((sh, sw), np.float32)
        colour = np.zeros((sh, sw, 3), np.float32)
        a = np.deg2rad(e.direction)
        drift = np.array([np.cos(a), -np.sin(a)]) * e.speed * t
        for c, r, rate, ph, col in zip(self.centres, self.radii, self.rates, self.phases, self.colours):
            cx = c[0] + drift[0] + 0.08 * np.sin(rate[0] * 0.7 * t + ph[0])
            cy = c[1] + drift[1] + 0.08 * np.sin(rate[1] * 0.5 * t + ph[1])
            cx = (cx + 0.2) % 1.4 - 0.2  # drift wraps around, with room to leave the frame
            breathe = 0.65 + 0.35 * np.sin(rate[2] * 1.3 * t + ph[2])
            g = np.exp(-0.5 * (((xx - cx) / r[0]) ** 2 + ((yy - cy) / r[1]) ** 2)) * breathe
            energy += g
            colour += g[..., None] * col
        alpha = np.clip(energy, 0, 1) * e.opacity
        colour = colour / np.maximum(energy, 1e-6)[..., None]
        alpha = cv2.resize(alpha, (self.w, self.h), interpolation=cv2.INTER_CUBIC)
        colour = cv2.resize(colour, (self.w, self.h), interpolation=cv2.INTER_LINEAR)
        alpha = np.clip(alpha, 0, 1)
        out = np.empty((self.h, self.w, 4), np.float32)
        out[..., :3] = np.clip(colour, 0, 1) * alpha[..., None]
        out[..., 3] = alpha
        return out


class Grain:
    """Film grain in screen space: white and black specks whose alpha is the noise."""

    def __init__(self, element: Element, size: tuple[int, int], fps: float):
        self.e = element
        self.w, self.h = size
        self.fps = fps

    def render(self, t: float) -> np.ndarray:
        e = self.e
        frame = int(round(t * self.fps))
        rng = _rng(self.e, frame)  # new grain every frame, the same on every render
        cell = max(1.0, e.size * self.h / 1080 * 1.2)
        gw, gh = max(1, int(self.w / cell)), max(1, int(self.h / cell))
        noise = rng.standard_normal((gh, gw)).astype(np.float32)
        if (gw, gh) != (self.w, self.h):
            noise = cv2.resize(noise, (self.w, self.h), interpolation=cv2.INTER_LINEAR)
        amount = 0.5 + e.density
        alpha = np.clip(np.abs(noise) * 0.5 * amount, 0, 1) * e.opacity
        out = np.zeros((self.h, self.w, 4), np.float32)
        light = (noise > 0).astype(np.float32) * alpha
        out[..., :3] = light[..., None] * np.asarray(e.colour, np.float32)
        out[..., 3] = alpha
        return out


def _shift_wrap(img: np.ndarray, shift: np.ndarray) -> np.ndarray:
    m = np.float32([[1, 0, shift[0]], [0, 1, shift[1]]])
    return cv2.warpAffine(img, m, (img.shape[1], img.shape[0]), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_WRAP)


def _solid(alpha: np.ndarray, colour) -> np.ndarray:
    out = np.empty(alpha.shape + (4,), np.float32)
    out[..., :3] = alpha[..., None] * np.asarray(colour, np.float32)
    out[..., 3] = alpha
    return out
