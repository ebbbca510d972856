"""Script model quality and speed: the bundled SmolLM2-135M-Instruct against the old stand-in.

Usage: .venv/bin/python benchmarks/script.py [--tokens N] [--chars C]

Both models run on the CPU through the engine's own path (`ScriptGenerator`), on the same ten
prompts with the same seeds, and are scored on the same held-out text:

- perplexity on screenplay-layout text: the last tenth of the speeches of
  ../shared/corpora/tinyshakespeare.txt, laid out as cues and dialogue (the split and layout
  of scripts/train_fallback_lm.py). The models have different tokenizers, so the comparable
  figure is perplexity per *word* (exp of total negative log-likelihood / words); per-token
  perplexity is printed too. Note: the stand-in was trained on the first nine tenths of this
  very corpus, so this text is in its domain and not in SmolLM2's.
- keeps characters: share of continuations that name one of the prompt's characters; for an
  instruction model the app opens the reply on the next speaker's cue, so the share is also
  given for the model's own words only (the reply after that cue line);
- English words: share of the continuations' words that wordfreq knows in English;
- tokens/s: new tokens over wall time, summed over the ten prompts (the machine may be shared).

It also times the bundled model's two loads: the first-use GGUF conversion (into a temporary
cache) and a load from the converted safetensors.
"""
from __future__ import annotations

import argparse
import math
import os
import re
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402
from transformers.utils import logging  # noqa: E402

from engine.script import BUNDLED_MODEL, SamplingParams, ScriptGenerator, ensure_converted  # noqa: E402
from engine.script.form import scene_facts  # noqa: E402
from engine.script.models import unload  # noqa: E402

STAND_IN = REPO / "tests" / "engine" / "data" / "tiny-script-lm"
CORPUS = REPO.parent / "shared" / "corpora" / "tinyshakespeare.txt"

PROMPTS = [
    "INT. LIGHTHOUSE - NIGHT\n\nMARA, 40s, soaked, climbs the last stair. The lamp is dark. OWEN sits by it, holding a letter.\n\nMARA\nYou let it go out.\n",
    "INT. COFFEE SHOP - DAY\n\nRain streaks the window. MAYA, 30s, stirs a cold coffee. DANIEL slides into the seat opposite.\n\nDANIEL\nYou got my message.\n",
    "EXT. DESERT HIGHWAY - DAY\n\nA dusty pickup idles on the shoulder. RUTH kicks a flat tyre. Her brother CAL watches from the cab.\n\nCAL\nI told you to check the spare.\n",
    "INT. HOSPITAL CORRIDOR - NIGHT\n\nDR. PATEL hurries past empty beds. NURSE KIM blocks her way with a clipboard.\n\nNURSE KIM\nHe's awake. He's asking for you.\n",
    "INT. POLICE STATION - INTERROGATION ROOM - NIGHT\n\nDETECTIVE HAYES drops a photo on the table. LEO, 19, won't look at it.\n\nHAYES\nYou know this car.\n",
    "EXT. HARBOUR - DAWN\n\nFishing boats knock against the pier. ANNA mends a net. Her grandfather TOMAS counts the empty crates.\n\nTOMAS\nThird morning with nothing.\n",
    "INT. SCHOOL GYM - DAY\n\nStreamers half hung. JESSIE, 17, stands on a ladder. COACH BRENNAN holds it, badly.\n\nJESSIE\nIf I fall, it's on you.\n",
    "INT. SPACESHIP BRIDGE - NIGHT\n\nAlarms pulse red. CAPTAIN OKAFOR grips the console. The engineer, VASQUEZ, reads a failing gauge.\n\nVASQUEZ\nWe have maybe ten minutes of air.\n",
    "INT. FARMHOUSE KITCHEN - EVENING\n\nA pot boils over. ELLEN turns off the stove. Her son SAM stands in the doorway with a suitcase.\n\nELLEN\nSo you're really going.\n",
    "EXT. CITY ROOFTOP - NIGHT\n\nWind and city lights. VICTOR, 60s, kneels by a safe. His daughter ELENA keeps watch at the edge.\n\nELENA\nTwo minutes. Then we go.\n",
]


def held_out_text(chars: int) -> str:
    from train_fallback_lm import to_screenplay

    speeches = to_screenplay(CORPUS.read_text(encoding="utf-8"))
    held = "\n\n".join(speeches[int(len(speeches) * 0.9):])
    return held[:chars]


def perplexity(loaded, text: str) -> tuple[float, float]:
    """(per-token, per-word) perplexity of `text`, in windows of the model's context."""
    ids = loaded.tokenizer(text, add_special_tokens=False)["input_ids"]
    window = min(loaded.max_positions or 1024, 512)
    nll, count = 0.0, 0
    with torch.inference_mode():
        for start in range(0, len(ids) - 1, window):
            chunk = torch.tensor([ids[start:start + window]], device=loaded.device)
            if chunk.shape[1] < 2:
                break
            loss = loaded.model(chunk, labels=chunk).loss.item()
            nll += loss * (chunk.shape[1] - 1)
            count += chunk.shape[1] - 1
    words = len(text.split())
    return math.exp(nll / count), math.exp(nll / words)


def english_share(texts: list[str]) -> float:
    from wordfreq import zipf_frequency

    words = [w.lower() for t in texts for w in re.findall(r"[A-Za-z']+", t)]
    return sum(zipf_frequency(w, "en") > 0 for w in words) / max(len(words), 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=40, help="new tokens per prompt (default 40)")
    parser.add_argument("--chars", type=int, default=4000, help="held-out characters scored (default 4000)")
    args = parser.parse_args()
    logging.disable_progress_bar()
    logging.set_verbosity_error()

    print(f"CPU: {os.cpu_count()} cores visible, torch {torch.__version__}, {torch.get_num_threads()} threads; "
          f"{len(PROMPTS)} prompts, {args.tokens} new tokens each, seed 0; {args.chars} held-out characters")
    with tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        ensure_converted(Path(scratch))
        converted = time.perf_counter() - started
    ensure_converted()  # the user's cache, as the app uses it
    unload()
    started = time.perf_counter()
    bundled = ScriptGenerator(BUNDLED_MODEL, device="cpu")
    bundled.load()
    cached = time.perf_counter() - started
    print(f"bundled model load: first use (GGUF -> safetensors) {converted:.1f} s; "
          f"from the converted cache {cached:.1f} s")

    text = held_out_text(args.chars)
    rows = []
    for name, generator in (("SmolLM2-135M-Instruct (new default)", bundled),
                            ("tiny-script-lm 1.35M (old stand-in)", ScriptGenerator(str(STAND_IN), device="cpu"))):
        loaded = generator.load()
        token_ppl, word_ppl = perplexity(loaded, text)
        kept, kept_own, outputs, tokens, seconds = 0, 0, [], 0, 0.0
        for prompt in PROMPTS:
            result = generator.generate(prompt, SamplingParams(max_new_tokens=args.tokens, variants=1, seed=0))
            continuation = result.continuation(0)
            outputs.append(continuation)
            _, names = scene_facts(prompt)
            parts = [part.lower() for n in names for part in n.split()
                     if part not in {"DR.", "NURSE", "COACH", "CAPTAIN", "DETECTIVE"}]
            own = result.variants[0].split("\n", 1)[1] if result.chat and "\n" in result.variants[0] else result.variants[0]
            kept += any(re.search(rf"\b{re.escape(p)}\b", continuation.lower()) for p in parts)
            kept_own += any(re.search(rf"\b{re.escape(p)}\b", own.lower()) for p in parts)
            tokens += result.tokens[0]
            seconds += result.seconds
        rows.append((name, sum(p.numel() for p in loaded.model.parameters()) / 1e6, word_ppl, token_ppl,
                     kept / len(PROMPTS), kept_own / len(PROMPTS), english_share(outputs), tokens / seconds))
        print(f"  {name}: sample continuation of prompt 1: {outputs[0][:160]!r}", flush=True)

    print()
    print(f"| {'model':38s} | params | ppl/word | ppl/token | keeps characters | ... in model's words "
          f"| English words | tokens/s |")
    print(f"|{'-' * 40}|-------:|---------:|----------:|-----------------:|---------------------:"
          f"|--------------:|---------:|")
    for name, params, word_ppl, token_ppl, kept, kept_own, english, rate in rows:
        print(f"| {name:38s} | {params:5.1f}M | {word_ppl:8.1f} | {token_ppl:9.2f} | {kept:16.0%} | "
              f"{kept_own:20.0%} | {english:13.0%} | {rate:8.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
