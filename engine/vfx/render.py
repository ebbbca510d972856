"""Rendering elements to frames and files, following the shot's camera when tracked.

A tracked element is drawn in the coordinates of the shot's first frame (the "world"),
on a canvas with margins wide enough to cover wherever the camera looks later, then
warped by that frame's homography, so it stays put in the scene as the camera moves.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

from engine.jobs import Job

from . import motion
from .atmosphere import Fog, Grain, LightLeak
from .elements import SCREEN_SPACE, Element
from .particles import ParticleField
from .title import Title
from .trackdata import CameraTrack
from .writers import ClipWriter, unpremultiply

# Margins never exceed this fraction of the frame per side: a whip pan would otherwise
# ask for an enormous canvas.
MAX_MARGIN = 1.0
# Sub-frame warps that blur a tracked element with the camera's own motion.
CAMERA_BLUR_SAMPLES = 3


@dataclass(frozen=True)
class RenderReport:
    """A finished element render."""

    output: str
    frames: int
    width: int
    height: int
    frame_rate: Fraction
    element: Element


class ElementRenderer:
    """Frames of one element at the shot's size and rate; frame ``k`` on demand."""

    def __init__(self, element: Element, width: int, height: int, frame_rate: Fraction | float,
                 frames: int | None = None, track: CameraTrack | None = None):
        """Args:
            frames: Length in frames (the shot's); ``element.duration`` shortens it.
            track: The shot's camera track; used when ``element.tracked``.
        """
        self.element = element
        self.width, self.height = int(width), int(height)
        self.frame_rate = Fraction(frame_rate).limit_denominator(1001 * 1000)
        fps = float(self.frame_rate)
        n = frames if frames is not None else (len(track) if track is not None else None)
        if element.duration is not None:
            by_duration = max(1, int(round(element.duration * fps)))
            n = by_duration if n is None else min(n, by_duration)
        if n is None:
            raise ValueError("give the length in frames, a track, or the element's duration")
        self.frames = n
        self.track = track if (element.tracked and element.kind not in SCREEN_SPACE) else None
        if track is not None and (track.width, track.height) != (self.width, self.height):
            raise ValueError(f"track is {track.width}x{track.height}, render is {self.width}x{self.height}")
        self.margin = self._margin()
        mx, my = self.margin
        canvas = (self.width + 2 * mx, self.height + 2 * my)
        kind = element.kind
        if kind in ("rain", "snow", "dust", "sparks"):
            self._source = ParticleField(element, canvas, self.height, fps)
        elif kind == "fog":
            self._source = Fog(element, canvas, self.height, fps)
        elif kind == "title":
            self._source = Title(element, canvas, self.height, fps, origin=(mx, my))
        elif kind == "light_leak":
            self._source = LightLeak(element, (self.width, self.height), fps)
        else:
            self._source = Grain(element, (self.width, self.height), fps)

    def render(self, k: int) -> np.ndarray:
        """Premultiplied RGBA (H, W, 4) float32 of frame ``k`` (0 = the shot's first frame)."""
        if not 0 <= k < self.frames:
            raise IndexError(f"frame {k} outside 0..{self.frames - 1}")
        fps = float(self.frame_rate)
        world = self._source.render(k / fps)
        if self.track is None and world.shape[:2] == (self.height, self.width):
            out = world
        else:
            out = self._warp(world, k)
        return out * self._fade(k)

    def straight(self, k: int) -> np.ndarray:
        """Straight (unpremultiplied) RGBA float32 of frame ``k``, as written to files."""
        return unpremultiply(self.render(k))

    # -- internals ----------------------------------------------------------------------

    def _homography(self, k: float) -> np.ndarray:
        """Start -> frame ``k`` (fractional k interpolates neighbouring frames)."""
        hs = self.track.homographies
        i = int(np.clip(np.floor(k), 0, len(hs) - 1))
        j = min(i + 1, len(hs) - 1)
        f = float(np.clip(k - i, 0, 1))
        h = (1 - f) * hs[i] / hs[i][2, 2] + f * hs[j] / hs[j][2, 2]
        return h

    def _warp(self, world: np.ndarray, k: int) -> np.ndarray:
        mx, my = self.margin
        shift = np.array([[1, 0, -mx], [0, 1, -my], [0, 0, 1.0]])
        if self.track is None:
            return world[my:my + self.height, mx:mx + self.width]
        samples = CAMERA_BLUR_SAMPLES if self.element.motion_blur > 0 and k > 0 else 1
        out = np.zeros((self.height, self.width, 4), np.float32)
        for j in range(samples):
            # The shutter closes at frame k; it opened motion_blur of a frame earlier.
            tk = k - self.element.motion_blur * j / max(samples - 1, 1)
            out += cv2.warpPerspective(world, self._homography(tk) @ shift, (self.width, self.height),
                                       flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
        return out / samples

    def _margin(self) -> tuple[int, int]:
        if self.track is None:
            return 0, 0
        w, h = self.width, self.height
        corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float64)
        seen = np.concatenate([motion.apply(np.linalg.inv(hk), corners)
                               for hk in self.track.homographies[: self.frames]])
        mx = max(0.0, -seen[:, 0].min(), seen[:, 0].max() - w)
        my = max(0.0, -seen[:, 1].min(), seen[:, 1].max() - h)
        # A few pixels more so interpolation at the edge never reads outside the canvas.
        return (int(np.ceil(min(mx, MAX_MARGIN * w))) + 4, int(np.ceil(min(my, MAX_MARGIN * h))) + 4)

    def _fade(self, k: int) -> float:
        e = self.element
        fps = float(self.frame_rate)
        t = k / fps
        end = self.frames / fps
        gain = 1.0
        if e.fade_in > 0:
            gain *= float(np.clip(t / e.fade_in, 0, 1))
        if e.fade_out > 0:
            gain *= float(np.clip((end - t - 1 / fps) / e.fade_out, 0, 1))
        return gain


def composite_over(plate: np.ndarray, rgba: np.ndarray) -> np.ndarray:
    """Preview: premultiplied float RGBA over an RGB uint8 plate, as uint8 RGB."""
    base = plate.astype(np.float32) / 255.0
    out = rgba[..., :3] + base * (1.0 - rgba[..., 3:4])
    return (np.clip(out, 0, 1) * 255 + 0.5).astype(np.uint8)


def render_element(element: Element, output: str | Path, width: int, height: int,
                   frame_rate: Fraction | float, frames: int | None = None,
                   track: CameraTrack | None = None) -> Job[RenderReport]:
    """Render an element with alpha to ``output`` (.mov ProRes 4444, or a folder of PNGs)."""
    renderer = ElementRenderer(element, width, height, frame_rate, frames, track)
    if Path(output).suffix.lower() == ".mp4":
        raise ValueError("elements carry alpha: write .mov (ProRes 4444) or a folder (PNG)")
    with ClipWriter(output, width, height, renderer.frame_rate) as out:
        for k in range(renderer.frames):
            out.write(renderer.straight(k))
            yield (k + 1) / renderer.frames, f"rendered {element.kind} frame {k + 1}/{renderer.frames}"
    return RenderReport(str(output), renderer.frames, renderer.width, renderer.height,
                        renderer.frame_rate, element)


def render_for_shot(element: Element, path: str | Path, output: str | Path, start: int = 0,
                    end: int | None = None, track: CameraTrack | None = None,
                    tracker_settings=None) -> Job[RenderReport]:
    """Render an element for frames ``start <= k < end`` of a file, tracking it first if needed."""
    from engine.jobs import scaled
    from engine.media import probe

    from .tracking import track_shot

    v = probe(path).video
    end = v.frame_count if end is None else min(end, v.frame_count)
    needs_track = element.tracked and element.kind not in SCREEN_SPACE
    if needs_track and track is None:
        track = yield from scaled(track_shot(path, start, end, tracker_settings), 0.0, 0.5)
    lo = 0.5 if needs_track else 0.0
    report = yield from scaled(
        render_element(element, output, v.width, v.height, v.frame_rate, end - start,
                       track if needs_track else None), lo, 1.0)
    return report
