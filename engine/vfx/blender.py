"""Export a camera track as a Blender Python script (camera with one keyframe per frame).

A 2D track has no depth, so the camera is solved as a nodal camera: the homography of
each frame is read as a rotation (pan, tilt, roll) plus a zoom, K_k R K_0^-1. That is
exact for tripod shots and a usable starting point for handheld ones; CG placed in the
scene then sits in the plate when seen through this camera.
"""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

from engine.atomic import atomic_write_text

from .trackdata import CameraTrack

# Blender's default full-frame sensor width, millimetres.
SENSOR_WIDTH = 36.0
# OpenCV camera axes (x right, y down, z forward) of the first frame, seen in Blender's
# world: looking along +Y with +Z up.
_CV_TO_WORLD = np.array([[1, 0, 0], [0, 0, 1], [0, -1, 0]], dtype=np.float64)
# Blender camera axes (x right, y up, z backward) in OpenCV camera axes.
_BLENDER_CAM_TO_CV = np.diag([1.0, -1.0, -1.0])


def solve_nodal(track: CameraTrack, lens_mm: float = 35.0) -> tuple[np.ndarray, np.ndarray]:
    """Blender camera Euler angles (n, 3) in radians (XYZ order) and lens (n,) in mm per frame."""
    f = lens_mm / SENSOR_WIDTH * track.width
    k = np.array([[f, 0, track.width / 2], [0, f, track.height / 2], [0, 0, 1.0]])
    k_inv = np.linalg.inv(k)
    eulers, lenses = [], []
    for h in track.homographies:
        m = k_inv @ h @ k
        # m = Z R up to scale, Z = diag(z, z, 1): rows of R have unit length.
        scale = np.linalg.norm(m[2])
        m = m / scale
        zoom = (np.linalg.norm(m[0]) + np.linalg.norm(m[1])) / 2
        r = np.diag([1 / zoom, 1 / zoom, 1.0]) @ m
        u, _, vt = np.linalg.svd(r)
        r = u @ vt
        if np.linalg.det(r) < 0:
            r = -r
        # r turns first-frame rays into frame-k rays; the camera's orientation is its inverse.
        world = _CV_TO_WORLD @ r.T @ _BLENDER_CAM_TO_CV
        eulers.append(Rotation.from_matrix(world).as_euler("xyz"))  # extrinsic xyz = Blender 'XYZ'
        lenses.append(lens_mm * zoom)
    return np.unwrap(np.array(eulers), axis=0), np.array(lenses)


def blender_script(track: CameraTrack, lens_mm: float = 35.0, first_frame: int = 1) -> str:
    """Python source that, run in Blender, builds the animated camera for ``track``.

    The script is code that someone will run, and the media file's name comes from
    outside (a name can hold quotes, newlines, anything). So no text from outside is
    ever pasted into the script except as ``repr()`` in an assignment (``SOURCE =``),
    which is always one string literal; every other value is a number formatted here.
    """
    eulers, lenses = solve_nodal(track, lens_mm)
    fps, fps_base = blender_rate(track.frame_rate)
    keys = ",\n".join(
        f"    ({int(first_frame) + i}, {float(e[0]):.8f}, {float(e[1]):.8f}, {float(e[2]):.8f}, {float(lens):.6f})"
        for i, (e, lens) in enumerate(zip(eulers, lenses, strict=True)))
    rate = Fraction(track.frame_rate)
    return _TEMPLATE.format(
        source=repr(str(track.source)), start=int(track.start), fps=int(fps), fps_base=repr(float(fps_base)),
        rate=f"{int(rate.numerator)}/{int(rate.denominator)}", width=int(track.width), height=int(track.height),
        sensor=repr(float(SENSOR_WIDTH)), keys=keys)


def write_blender_script(track: CameraTrack, path: str | Path, lens_mm: float = 35.0) -> None:
    """Write :func:`blender_script` to ``path`` (atomically, UTF-8)."""
    atomic_write_text(path, blender_script(track, lens_mm))


def blender_rate(rate: Fraction) -> tuple[int, float]:
    """Blender's (fps, fps_base) for an exact rate: 24000/1001 -> (24, 1.001)."""
    fps = max(1, round(float(rate)))
    return fps, fps / float(rate)


# Only numbers go into the docstring; the source file's name is in SOURCE alone.
_TEMPLATE = '''"""Camera for the clip in SOURCE, from Moviola: run in Blender (Scripting tab, or blender --python).

Nodal solve of a 2D track: one rotation and lens keyframe per frame of the shot.
Frame rate {rate}, {width}x{height}; scene frame 1 is source frame {start}.
"""
import os

import bpy

SOURCE = {source}
SOURCE_START = {start}
FPS = {fps}
FPS_BASE = {fps_base}
WIDTH = {width}
HEIGHT = {height}
SENSOR_WIDTH = {sensor}
# (scene frame, rotation x, rotation y, rotation z in radians (XYZ), lens in mm)
KEYS = [
{keys},
]


def build():
    scene = bpy.context.scene
    scene.render.fps = FPS
    scene.render.fps_base = FPS_BASE
    scene.render.resolution_x = WIDTH
    scene.render.resolution_y = HEIGHT
    scene.render.resolution_percentage = 100
    scene.render.pixel_aspect_x = 1.0
    scene.render.pixel_aspect_y = 1.0
    scene.frame_start = KEYS[0][0]
    scene.frame_end = KEYS[-1][0]

    data = bpy.data.cameras.new("MoviolaCamera")
    data.sensor_fit = "HORIZONTAL"
    data.sensor_width = SENSOR_WIDTH
    camera = bpy.data.objects.new("MoviolaCamera", data)
    scene.collection.objects.link(camera)
    scene.camera = camera
    camera.location = (0.0, 0.0, 0.0)
    camera.rotation_mode = "XYZ"
    for frame, rx, ry, rz, lens in KEYS:
        camera.rotation_euler = (rx, ry, rz)
        camera.keyframe_insert(data_path="rotation_euler", frame=frame)
        data.lens = lens
        data.keyframe_insert(data_path="lens", frame=frame)
    add_plate(data)
    return camera


def add_plate(data):
    """Show the footage behind the camera view, lined up with scene frame 1."""
    if not os.path.exists(SOURCE):
        return
    clip = bpy.data.movieclips.load(SOURCE)
    clip.frame_start = 1 - SOURCE_START
    data.show_background_images = True
    background = data.background_images.new()
    background.source = "MOVIE_CLIP"
    background.clip = clip


build()
'''
