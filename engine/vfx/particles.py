"""Particle elements (rain, snow, dust, sparks) drawn procedurally with numpy.

Every particle's position is a closed-form function of time, so any frame can be
rendered on its own (seeking, multiprocess renders) and the same seed always gives the
same picture. Particles wrap around the canvas, which keeps the density constant.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass

import cv2
import numpy as np

from .elements import Element

# At density 1 on a 1920x1080 canvas; scaled by canvas area.
_COUNT = {"rain": 5000, "snow": 2500, "dust": 1600, "sparks": 900}
# Particle radius in pixels at 1080 lines, nearest layer.
_RADIUS = {"rain": 1.0, "snow": 2.6, "dust": 2.0, "sparks": 1.6}
# Sideways sway (fraction of frame height) and its rate (Hz).
_SWAY = {"rain": (0.0, 0.0), "snow": (0.015, 0.35), "dust": (0.012, 0.15), "sparks": (0.01, 1.5)}
_SPARK_LIFE = 1.4  # seconds


@dataclass
class _Layer:
    depth: float  # 0 far .. 1 near
    base: np.ndarray  # (n, 2) in [0, 1)
    speed: np.ndarray  # (n,) multiplier
    phase: np.ndarray  # (n,) in [0, 1)
    bright: np.ndarray  # (n,)


class ParticleField:
    """One particle element over a canvas of world pixels."""

    def __init__(self, element: Element, canvas: tuple[int, int], frame_height: int, fps: float):
        """Args:
            canvas: (width, height) of the world area drawn (the frame plus margins).
            frame_height: Lines of the output frame; speeds and sizes scale with it.
        """
        self.e = element
        self.w, self.h = canvas
        self.unit = frame_height / 1080.0
        self.frame_height = frame_height
        self.fps = fps
        area = (self.w * self.h) / (1920 * 1080 * self.unit**2)
        # Seeded per kind and layer so adding a layer leaves the others' particles alone.
        kind_key = zlib.crc32(element.kind.encode())
        self.layers = []
        for i in range(element.layers):
            depth = (i + 1) / element.layers
            rng = np.random.default_rng([element.seed, kind_key, i])
            # Perspective: far layers hold more, smaller particles.
            share = (1.6 - depth) / sum(1.6 - (j + 1) / element.layers for j in range(element.layers))
            n = int(round(_COUNT[element.kind] * element.density * area * share))
            self.layers.append(_Layer(depth, rng.random((n, 2)), rng.uniform(0.75, 1.25, n),
                                      rng.random(n), rng.uniform(0.5, 1.0, n)))

    def render(self, t: float) -> np.ndarray:
        """Premultiplied RGBA (h, w, 4) float32 of the canvas at time ``t`` seconds."""
        alpha = np.zeros((self.h, self.w), np.float32)
        colour = None
        for layer in self.layers:  # far to near: each drawn over the previous
            a, c = self._layer(layer, t)
            if c is not None:
                colour = c if colour is None else c + colour * (1.0 - a[..., None])
            alpha = a + alpha * (1.0 - a)
        out = np.empty((self.h, self.w, 4), np.float32)
        # One colour for all particles (all but sparks): composite alpha alone, colour once.
        out[..., :3] = colour if colour is not None else alpha[..., None] * np.asarray(self.e.colour, np.float32)
        out[..., 3] = alpha
        return out

    # -- one layer ------------------------------------------------------------------------

    def _layer(self, layer: _Layer, t: float) -> tuple[np.ndarray, np.ndarray | None]:
        """Alpha (h, w) of one layer and, for sparks, its premultiplied colour (h, w, 3)."""
        e = self.e
        radius = _RADIUS[e.kind] * e.size * self.unit * (0.45 + 0.55 * layer.depth)
        shutter = e.motion_blur / self.fps
        p0, _ = self._positions(layer, t)
        p1, _ = self._positions(layer, t - shutter)
        travel = float(np.median(np.linalg.norm(p0 - p1, axis=1))) if len(p0) else 0.0
        # Samples along the shutter interval, close enough that a streak has no gaps.
        samples = int(np.clip(np.ceil(travel / max(0.5 * radius, 0.5)), 1, 48))
        sigma = max(radius, 0.4)
        spacing = travel / max(samples - 1, 1)
        streak = e.kind in ("rain", "sparks")
        points, weights, colours = [], [], []
        for j in range(samples):
            tj = t - shutter * j / max(samples - 1, 1)
            pos, weight = self._positions(layer, tj)
            weight = weight * (0.45 + 0.55 * layer.depth)
            if streak:
                # Rain and sparks keep their brightness along the streak (they read as
                # lines): overlapping blurred samples sum to about the particle's weight.
                weight = weight * min(1.0, spacing / (np.sqrt(2 * np.pi) * sigma)) if samples > 1 else weight
            else:
                # Snow and dust spread a fixed amount of light over the blur (they dim as they smear).
                weight = weight / samples
            points.append(pos)
            weights.append(weight)
            if e.kind == "sparks":
                colours.append(_spark_colour(self._age(layer, tj) / _SPARK_LIFE, e.colour))
        pos = np.concatenate(points) if points else np.zeros((0, 2))
        weight = np.concatenate(weights) if weights else np.zeros(0)
        acc = _splat(pos, weight, self.w, self.h)
        tint = None
        if colours:
            colour = np.concatenate(colours)
            tint = [_splat(pos, weight * colour[:, c], self.w, self.h) for c in range(3)]
        if e.kind in ("dust", "snow") and layer.depth == 1.0 and e.layers > 1:
            sigma *= 2.5  # the nearest layer is out of focus
        density = _blur(acc.reshape(self.h, self.w), sigma) * (2 * np.pi * sigma**2)
        alpha = np.clip(density, 0.0, 1.0) * e.opacity
        if tint is None:
            return alpha, None
        colour = np.stack([_blur(ch.reshape(self.h, self.w), sigma) for ch in tint], axis=-1)
        colour *= (2 * np.pi * sigma**2)
        scale = np.where(density > 1e-6, alpha / np.maximum(density, 1e-6), 0.0)
        return alpha, np.clip(colour * scale[..., None], 0.0, 1.0)

    def _direction(self) -> np.ndarray:
        a = np.deg2rad(self.e.direction)
        return np.array([np.cos(a), -np.sin(a)])  # screen y grows downwards

    def _age(self, layer: _Layer, t: float) -> np.ndarray:
        return ((t / _SPARK_LIFE + layer.phase) % 1.0) * _SPARK_LIFE

    def _positions(self, layer: _Layer, t: float) -> tuple[np.ndarray, np.ndarray]:
        """Canvas positions (n, 2) and brightness weights (n,) at time ``t``."""
        e = self.e
        size = np.array([self.w, self.h], np.float64)
        px_speed = e.speed * self.frame_height * (0.35 + 0.65 * layer.depth) * layer.speed
        d = self._direction()
        amp, rate = _SWAY[e.kind]
        sway_amp = amp * self.frame_height * (0.5 + 0.5 * layer.depth)
        normal = np.array([-d[1], d[0]])
        if e.kind == "sparks":
            age = self._age(layer, t)
            # Each spark is born where it was at its last respawn; its birth place is
            # re-drawn per life from a hash of the life number so lives differ.
            life = np.floor(t / _SPARK_LIFE + layer.phase)
            u = _hash01(layer.base[:, 0], life)
            origin = self._emitter(u, layer.base[:, 1])
            drag = 1.2
            travel = (1.0 - np.exp(-drag * age)) / drag
            pos = origin + np.outer(px_speed * travel * 1.6, d)
            pos += np.outer(sway_amp * np.sin(2 * np.pi * (rate * t + layer.phase * 7.0)) * age, normal)
            flicker = 0.75 + 0.25 * np.sin(2 * np.pi * (9.0 * t + layer.phase * 13.0))
            # Sparks are hot: their cores saturate, which keeps thin streaks visible.
            weight = 2.5 * layer.bright * (1.0 - age / _SPARK_LIFE) ** 1.5 * flicker
            return pos, weight
        pos = layer.base * size + np.outer(px_speed * t, d)
        if amp:
            sway = sway_amp * np.sin(2 * np.pi * (rate * layer.speed * t + layer.phase))
            pos += np.outer(sway, normal)
        weight = layer.bright
        if e.kind == "dust":
            weight = weight * (0.6 + 0.4 * np.sin(2 * np.pi * (0.5 * t * layer.speed + layer.phase)))
        return np.mod(pos, size), weight

    def _emitter(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Birth points on the canvas edge the sparks travel away from."""
        d = self._direction()
        w, h = self.w, self.h
        if abs(d[1]) >= abs(d[0]):
            y = h * (1.02 - 0.12 * v) if d[1] < 0 else h * (-0.02 + 0.12 * v)
            return np.c_[u * w, y]
        x = w * (-0.02 + 0.12 * v) if d[0] > 0 else w * (1.02 - 0.12 * v)
        return np.c_[x, u * h]


def _spark_colour(life: np.ndarray, hot: tuple[float, float, float]) -> np.ndarray:
    # White-hot at birth, cooling to the element's colour, then a dull red.
    life = np.clip(life, 0, 1)[:, None]
    white = np.array([1.0, 0.95, 0.8])
    red = np.array([0.9, 0.2, 0.05])
    mid = np.asarray(hot)
    first = white + (mid - white) * np.clip(life * 2.0, 0, 1)
    return first + (red - mid) * np.clip(life * 2.0 - 1.0, 0, 1)


def _hash01(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Deterministic pseudo-random numbers in [0, 1) from two arrays."""
    x = np.sin(a * 12.9898 + b * 78.233) * 43758.5453
    return x - np.floor(x)


def _splat(pos: np.ndarray, weight: np.ndarray, w: int, h: int) -> np.ndarray:
    """Flat (h*w) float32 buffer with ``weight`` added at sub-pixel positions, bilinearly."""
    if len(pos) == 0:
        return np.zeros(w * h, np.float32)
    weight = np.broadcast_to(np.asarray(weight, np.float64), (len(pos),))
    x0 = np.floor(pos[:, 0]).astype(np.int64)
    y0 = np.floor(pos[:, 1]).astype(np.int64)
    fx = pos[:, 0] - x0
    fy = pos[:, 1] - y0
    # One bincount for all four neighbours: each call costs a full-canvas allocation.
    xs = np.concatenate([x0, x0 + 1, x0, x0 + 1])
    ys = np.concatenate([y0, y0, y0 + 1, y0 + 1])
    ks = np.concatenate([(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy]) * np.tile(weight, 4)
    ok = (xs >= 0) & (xs < w) & (ys >= 0) & (ys < h)
    return np.bincount(ys[ok] * w + xs[ok], weights=ks[ok], minlength=w * h).astype(np.float32)


def _blur(img: np.ndarray, sigma: float) -> np.ndarray:
    if sigma > 6:
        # Large defocus: blur a quarter-size copy; the result is smooth anyway.
        h, w = img.shape
        small = cv2.resize(img, (max(1, w // 4), max(1, h // 4)), interpolation=cv2.INTER_AREA)
        small = cv2.GaussianBlur(small, (0, 0), sigma / 4)
        return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    return cv2.GaussianBlur(img, (0, 0), sigma)
