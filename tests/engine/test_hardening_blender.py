"""Issue #21: a media file's name cannot put code into the exported Blender camera script."""
from __future__ import annotations

import ast
import os
import shutil
import sys
from fractions import Fraction
from types import ModuleType
from unittest import mock

import numpy as np
import pytest

from engine.cli import main
from engine.vfx.blender import blender_script
from engine.vfx.trackdata import CameraTrack

PAYLOAD = 'str(__import__("os").system("touch PWNED"))'
HOSTILE_NAMES = [
    f'x"""+{PAYLOAD}+"""y.mp4',
    f"x'''+{PAYLOAD}+'''y.mp4",
    f'x\\"""+{PAYLOAD}+"""\\y.mp4',  # backslashes before the quotes
    f'x\n"""\n{PAYLOAD}\n"""\ny.mp4',  # newlines: a name may hold them on Linux
    f'x\\\n{PAYLOAD}\\\ny.mp4',  # line continuation
    f'x"""; {PAYLOAD}; """\u2028\u0085y.mp4',  # Unicode line separators
    f'映画 ünïcødé """+{PAYLOAD}+""" \udcff.mp4',  # non-ASCII and an undecodable byte
    "x{SOURCE}{source}%s\x00\x1b[2J.mp4",
]


def _track(source: str) -> CameraTrack:
    return CameraTrack(source, 3, 64, 48, Fraction(24), np.stack([np.eye(3)] * 4))


def _string_constants(tree: ast.AST) -> list[str]:
    return [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)]


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=range(len(HOSTILE_NAMES)))
def test_hostile_name_is_only_a_string_constant(name):
    source = f"/footage/{name}"
    tree = ast.parse(blender_script(_track(source)))
    assignments = {node.targets[0].id: node.value for node in tree.body if isinstance(node, ast.Assign)}
    assert ast.literal_eval(assignments["SOURCE"]) == source
    # The name appears in no other string of the script (the docstring included) ...
    assert [s for s in _string_constants(tree) if "PWNED" in s or "/footage/" in s] == [source]
    # ... and no call or name in the script comes from it.
    calls = {ast.unparse(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    assert not any("system" in call or "__import__" in call or "str" == call for call in calls)


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=range(len(HOSTILE_NAMES)))
def test_running_the_script_with_a_stand_in_bpy_runs_no_payload(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    bpy = mock.MagicMock()
    fake_os = ModuleType("os")
    fake_os.system = mock.Mock(side_effect=AssertionError("os.system called"))
    fake_os.path = mock.Mock(exists=mock.Mock(return_value=True))
    namespace = {"__name__": "__main__", "__builtins__": {"__import__": _only({"bpy": bpy, "os": fake_os})}}
    code = compile(blender_script(_track(f"/footage/{name}")), "camera.py", "exec")
    with mock.patch.dict(sys.modules, {"bpy": bpy}):
        exec(code, namespace)
    bpy.data.movieclips.load.assert_called_once_with(f"/footage/{name}")
    fake_os.system.assert_not_called()
    assert not (tmp_path / "PWNED").exists()


def _only(modules):
    def guarded_import(name, *args, **kwargs):
        if name not in modules:
            raise ImportError(f"the camera script may not import {name}")
        return modules[name]
    return guarded_import


def test_cli_track_of_a_hostile_file_name_writes_a_harmless_script(media, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    clip = tmp_path / HOSTILE_NAMES[0].replace(".mp4", ".mkv")
    shutil.copy(media / "sources" / "asl_yes.mkv", clip)
    script = tmp_path / "camera.py"
    assert main(["vfx", "track", str(clip), "--end", "4", "--blender", str(script)]) == 0
    text = script.read_text(encoding="utf-8")
    tree = ast.parse(text)
    assert [s for s in _string_constants(tree) if "PWNED" in s] == [str(clip)]
    # Run it as Blender would, with a stand-in bpy: the payload must not run.
    with mock.patch.dict(sys.modules, {"bpy": mock.MagicMock()}):
        exec(compile(text, str(script), "exec"), {"__name__": "__main__"})
    assert not (tmp_path / "PWNED").exists()
    assert set(os.listdir(tmp_path)) == {clip.name, script.name}
