"""Chroma keying of green and blue screens.

The matte comes from the colour difference (screen channel minus the larger of the
other two), measured relative to the screen's own difference. That ratio is 1 on the
screen whatever its brightness falls to in shadow, and near 0 or negative on
foreground colours, so one tolerance works across an unevenly lit screen.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from engine.jobs import Job

_CHANNEL = {"green": 1, "blue": 2}


@dataclass
class KeySettings:
    """Keyer controls.

    Attributes:
        screen: "green" or "blue".
        tolerance: 0..1; how far below the screen's colour difference still counts as
            fully screen (transparent).
        softness: 0..1; width of the ramp from transparent to opaque beyond the tolerance.
        spill: 0..1; how much of the screen colour spilling onto the foreground is removed.
        garbage: Polygons (pixels) of the part to keep; outside them is transparent.
        holdout: Polygons forced opaque (foreground that happens to be screen-coloured).
        screen_colour: RGB 0..1 of the screen; None samples it from each frame.
    """

    screen: str = "green"
    tolerance: float = 0.35
    softness: float = 0.3
    spill: float = 1.0
    garbage: list[Sequence[Sequence[float]]] = field(default_factory=list)
    holdout: list[Sequence[Sequence[float]]] = field(default_factory=list)
    screen_colour: tuple[float, float, float] | None = None

    def __post_init__(self):
        if self.screen not in _CHANNEL:
            raise ValueError(f"screen must be 'green' or 'blue', not {self.screen!r}")


@dataclass(frozen=True)
class KeyReport:
    """Outcome of keying a shot."""

    output: str
    matte: str | None
    frames: int
    screen_colour: tuple[float, float, float]


def _difference(rgb: np.ndarray, channel: int) -> np.ndarray:
    others = [c for c in range(3) if c != channel]
    return rgb[..., channel] - np.maximum(rgb[..., others[0]], rgb[..., others[1]])


def sample_screen(rgb: np.ndarray, screen: str = "green") -> tuple[float, float, float]:
    """The screen's colour: median of the pixels most dominated by the screen channel."""
    img = _as_float(rgb)
    diff = _difference(img, _CHANNEL[screen])
    candidates = img[diff >= np.quantile(diff, 0.75)]
    candidates = candidates[_difference(candidates, _CHANNEL[screen]) > 0.05]
    if len(candidates) == 0:
        raise ValueError(f"no {screen} screen found in the picture")
    return tuple(float(v) for v in np.median(candidates, axis=0))


def key_image(rgb: np.ndarray, settings: KeySettings = KeySettings(),
              screen_colour: tuple[float, float, float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Key one picture.

    Returns:
        (alpha, foreground): alpha (H, W) float32 0..1 (1 = keep); foreground (H, W, 3)
        float32 straight RGB with spill removed.
    """
    img = _as_float(rgb)
    ch = _CHANNEL[settings.screen]
    colour = screen_colour or settings.screen_colour or sample_screen(img, settings.screen)
    screen_diff = max(_difference(np.asarray(colour, np.float32)[None], ch)[0], 1e-3)
    ratio = _difference(img, ch) / screen_diff
    softness = max(settings.softness, 1e-3)
    alpha = np.clip(((1.0 - settings.tolerance) - ratio) / softness, 0.0, 1.0).astype(np.float32)
    h, w = alpha.shape
    if settings.garbage:
        keep = np.zeros((h, w), np.uint8)
        cv2.fillPoly(keep, [np.round(np.asarray(p)).astype(np.int32) for p in settings.garbage], 1)
        alpha *= keep
    if settings.holdout:
        hold = np.zeros((h, w), np.uint8)
        cv2.fillPoly(hold, [np.round(np.asarray(p)).astype(np.int32) for p in settings.holdout], 1)
        alpha[hold.astype(bool)] = 1.0
    return alpha, despill(img, settings.screen, settings.spill)


def despill(rgb: np.ndarray, screen: str = "green", amount: float = 1.0) -> np.ndarray:
    """Limit the screen channel to the larger of the other two (screen light bounced on)."""
    img = _as_float(rgb).copy()
    ch = _CHANNEL[screen]
    others = [c for c in range(3) if c != ch]
    limit = np.maximum(img[..., others[0]], img[..., others[1]])
    excess = np.maximum(img[..., ch] - limit, 0.0)
    img[..., ch] -= amount * excess
    return img


def key_shot(path: str | Path, output: str | Path, matte: str | Path | None = None,
             start: int = 0, end: int | None = None,
             settings: KeySettings = KeySettings()) -> Job[KeyReport]:
    """Key frames ``start <= k < end``: keyed RGBA clip to ``output``, alpha as grey to ``matte``.

    The screen colour is sampled once from the first frame (unless set) so the key does
    not flicker when the foreground changes how much screen is in view.
    """
    from engine.media import FrameReader

    from .writers import ClipWriter

    with FrameReader(path) as reader:
        v = reader.info.video
        end = v.frame_count if end is None else min(end, v.frame_count)
        n = max(end - start, 0)
        colour = settings.screen_colour
        keyed = ClipWriter(output, v.width, v.height, v.frame_rate)
        matte_out = ClipWriter(matte, v.width, v.height, v.frame_rate) if matte else None
        with keyed, (matte_out or _Null()):
            for i, frame in enumerate(reader.frames(start, end)):
                if colour is None:
                    colour = sample_screen(frame.image, settings.screen)
                alpha, fg = key_image(frame.image, settings, colour)
                keyed.write(np.dstack([fg, alpha]))
                if matte_out is not None:
                    matte_out.write(alpha)
                yield (i + 1) / n, f"keyed frame {frame.index}"
    return KeyReport(str(output), None if matte is None else str(matte), n, tuple(colour or ()))


class _Null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None


def _as_float(rgb: np.ndarray) -> np.ndarray:
    return rgb.astype(np.float32) / 255.0 if rgb.dtype == np.uint8 else rgb.astype(np.float32)
