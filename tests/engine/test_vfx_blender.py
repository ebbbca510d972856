"""The Blender export is valid Python that builds a camera with one keyframe per frame."""
from __future__ import annotations

import ast
import sys
from fractions import Fraction
from unittest import mock

import numpy as np
import pytest

from engine.vfx.blender import blender_rate, blender_script
from engine.vfx.trackdata import CameraTrack


def _pan_track(n=12, rate=Fraction(24000, 1001)):
    # A tripod pan to the right, 0.2 degree a frame, seen through a 35 mm lens.
    f = 35 / 36 * 1920
    k = np.array([[f, 0, 960], [0, f, 540], [0, 0, 1.0]])
    hs = []
    for i in range(n):
        a = np.deg2rad(-0.2 * i)  # rays turn left as the camera turns right
        ry = np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])
        hs.append(k @ ry @ np.linalg.inv(k))
    return CameraTrack("/nonexistent/plate.mov", 200, 1920, 1080, rate, np.array(hs))


def _assignments(source):
    tree = ast.parse(source)
    return {node.targets[0].id: ast.literal_eval(node.value) for node in tree.body
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id.isupper()}


def test_script_parses_with_rate_resolution_and_one_key_per_frame():
    values = _assignments(blender_script(_pan_track()))
    assert (values["FPS"], values["FPS_BASE"]) == (24, pytest.approx(1.001))
    assert (values["WIDTH"], values["HEIGHT"]) == (1920, 1080)
    assert [k[0] for k in values["KEYS"]] == list(range(1, 13))
    assert values["SOURCE_START"] == 200


def test_pan_right_turns_the_camera_right():
    keys = np.array(_assignments(blender_script(_pan_track()))["KEYS"])
    assert np.allclose(keys[:, 1], np.pi / 2, atol=1e-6)  # level, looking along +Y
    # Yaw about +Z, clockwise seen from above is to the right: -0.2 degree a frame.
    assert np.allclose(np.diff(keys[:, 3]), np.deg2rad(-0.2), atol=1e-7)
    assert np.allclose(keys[:, 4], 35.0, atol=1e-6)  # no zoom


def test_script_runs_against_a_stand_in_bpy():
    bpy = mock.MagicMock()
    with mock.patch.dict(sys.modules, {"bpy": bpy}):
        exec(compile(blender_script(_pan_track()), "camera.py", "exec"), {"__name__": "__main__"})
    camera = bpy.data.objects.new.return_value
    frames = [c.kwargs["frame"] for c in camera.keyframe_insert.call_args_list
              if c.kwargs["data_path"] == "rotation_euler"]
    assert frames == list(range(1, 13))
    assert bpy.context.scene.render.fps == 24 and bpy.context.scene.frame_end == 12


def test_rates():
    assert blender_rate(Fraction(30000, 1001)) == (30, pytest.approx(1.001))
    assert blender_rate(Fraction(25)) == (25, 1.0)
