"""Real generation with a tiny base model (the gpt2 flow: a local folder, plain continuation):
parameters, seeds, streaming, cancel, context trimming. The bundled default is in test_script_bundled.py."""
from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path

import pytest

from engine.script import ModelUnavailable, SamplingParams, ScriptGenerator

TINY_LM = Path(__file__).parent / "data" / "tiny-script-lm"  # a 1.35M-parameter base model, a fixture only

PROMPT = "INT. COFFEE SHOP - DAY\n\nMaya waits by the window.\n\nMAYA\n"
MISSING = "moviola-tests/no-such-model"


@pytest.fixture(scope="module")
def generator() -> ScriptGenerator:
    generator = ScriptGenerator(str(TINY_LM), device="cpu")
    generator.load()
    return generator


def test_variant_count_and_max_new_tokens(generator):
    result = generator.generate(PROMPT, SamplingParams(max_new_tokens=12, variants=3, seed=7))
    assert len(result.variants) == 3 and result.seeds == [7, 8, 9]
    assert all(0 < n <= 12 for n in result.tokens)
    assert all(isinstance(v, str) and v for v in result.variants)
    assert result.draft(0).startswith(PROMPT) and not result.fallback and not result.chat


def test_same_seed_same_drafts(generator):
    params = SamplingParams(max_new_tokens=16, variants=2, seed=42)
    first = generator.generate(PROMPT, params).variants
    assert generator.generate(PROMPT, params).variants == first
    # Variant i depends only on seed+i: asking for one variant from seed 43 gives the second.
    assert generator.generate(PROMPT, SamplingParams(max_new_tokens=16, variants=1, seed=43)).variants == first[1:]
    assert generator.generate(PROMPT, SamplingParams(max_new_tokens=16, variants=2, seed=1)).variants != first


def test_streaming_delivers_text_before_the_end(generator):
    job = generator.stream(PROMPT, SamplingParams(max_new_tokens=60, variants=1, seed=3))
    chunks = []
    try:
        while True:
            chunks.append(next(job))
    except StopIteration as stop:
        result = stop.value
    assert len(chunks) > 3
    assert chunks[0].tokens < result.tokens[0]  # the first text came while the model was still going
    assert [c.fraction for c in chunks] == sorted(c.fraction for c in chunks)
    assert "".join(c.text for c in chunks).strip() == result.variants[0].strip()


def test_cancel_stops_within_a_second(generator):
    cancel = threading.Event()
    job = generator.stream(PROMPT, SamplingParams(max_new_tokens=250, variants=3, seed=5), cancel=cancel)
    next(job)
    cancel.set()
    started = time.perf_counter()
    try:
        while True:
            next(job)
    except StopIteration as stop:
        result = stop.value
    assert time.perf_counter() - started < 1.0
    assert result.cancelled and len(result.variants) == 1 and result.tokens[0] < 250


def test_closing_the_stream_stops_the_model_thread(generator):
    job = generator.stream(PROMPT, SamplingParams(max_new_tokens=250, variants=1, seed=5))
    next(job)
    started = time.perf_counter()
    job.close()
    assert time.perf_counter() - started < 1.0
    assert not any(t.name == "moviola-script-generate" and t.is_alive() for t in threading.enumerate())


def test_missing_model_without_fallback_raises_a_clear_message(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelUnavailable, match="not available offline"):
        ScriptGenerator("moviola-tests/another-missing-model", device="cpu", fallback=False).load()


def test_chat_template_is_used_when_the_tokenizer_has_one(tmp_path):
    folder = tmp_path / "chat-lm"
    shutil.copytree(TINY_LM, folder)
    config = json.loads((folder / "tokenizer_config.json").read_text())
    config["chat_template"] = ("{% for m in messages %}<<{{ m['role'] }}>> {{ m['content'] }}\n{% endfor %}"
                               "{% if add_generation_prompt %}<<assistant>> {% endif %}")
    (folder / "tokenizer_config.json").write_text(json.dumps(config))
    result = ScriptGenerator(str(folder), device="cpu").generate(
        PROMPT, SamplingParams(max_new_tokens=8, variants=1, seed=0))
    assert result.chat and result.draft(0).startswith(PROMPT.rstrip())


def test_prompt_longer_than_the_context_is_trimmed(generator):
    long_prompt = PROMPT + "MAYA\nWords, words, words.\n\n" * 120  # well past 256 tokens
    result = generator.generate(long_prompt, SamplingParams(max_new_tokens=20, variants=1, seed=0))
    assert 0 < result.tokens[0] <= 20
