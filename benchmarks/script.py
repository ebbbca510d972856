"""Generation speed of the bundled script model against the GPT-2 small architecture, in one run.

Usage: .venv/bin/python benchmarks/script.py [--tokens N] [--repeat R]

Both models sample N new tokens (top-k 50, top-p 0.95, temperature 0.9, end-of-text
suppressed so every run is exactly N tokens) after the same prompt ids, on the CPU, one
sequence at a time, as the script tab does. GPT-2 is built from `GPT2Config()` with random
weights (124 M parameters, the size of `gpt2`): nothing is downloaded, and speed does not
depend on the weights' values. The prompt is tokenised once with the bundled tokenizer (the
`gpt2` tokenizer is not available offline); its ids are valid for both vocabularies. Each
figure is the best (and median) of R runs, after one warm-up; the two models' runs are
interleaved, and tokens per CPU-second are printed too, because on a shared machine wall
time mostly measures the neighbours. The last line times the engine's own
streaming path (helper thread, streamer, cancel check) with the bundled model.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402
from transformers import AutoModelForCausalLM, AutoTokenizer, GPT2Config, GPT2LMHeadModel  # noqa: E402
from transformers.utils import logging  # noqa: E402

from engine.script import FALLBACK_DIR, SamplingParams, ScriptGenerator  # noqa: E402

PROMPT = "INT. COFFEE SHOP - DAY\n\nRain streaks the window. MAYA (30s) stirs a cold coffee.\n\nMAYA\n"


def timed_runs(models: dict, ids: torch.Tensor, tokens: int, repeat: int) -> dict[str, list[tuple[float, float]]]:
    """(wall seconds, CPU seconds) per run for each model, runs interleaved.

    Interleaving gives every model the same share of whatever else the machine is doing;
    CPU seconds (all threads of this process) are the figure least disturbed by it.
    """
    settings = dict(do_sample=True, top_k=50, top_p=0.95, temperature=0.9, max_new_tokens=tokens,
                    min_new_tokens=tokens, pad_token_id=0, attention_mask=torch.ones_like(ids))
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in models}
    with torch.inference_mode():
        for model in models.values():  # warm-up: first calls allocate caches and kernels
            model.generate(ids, **settings)
        for run in range(repeat):
            for name, model in models.items():
                torch.manual_seed(run)
                wall, cpu = time.perf_counter(), time.process_time()
                out = model.generate(ids, **settings)
                runs[name].append((time.perf_counter() - wall, time.process_time() - cpu))
                assert out.shape[1] - ids.shape[1] == tokens
    return runs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    logging.disable_progress_bar()
    logging.set_verbosity_error()

    tokenizer = AutoTokenizer.from_pretrained(FALLBACK_DIR)
    ids = torch.tensor([tokenizer(PROMPT)["input_ids"]])
    ours = AutoModelForCausalLM.from_pretrained(FALLBACK_DIR, dtype=torch.float32).eval()
    torch.manual_seed(0)
    gpt2 = GPT2LMHeadModel(GPT2Config()).eval()

    print(f"CPU: {platform.processor() or platform.machine()}, {os.cpu_count()} cores visible, "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"prompt: {ids.shape[1]} tokens; {args.tokens} new tokens per run; best of {args.repeat}")
    models = {"bundled script-lm": ours, "gpt2 architecture, random weights": gpt2}
    runs = timed_runs(models, ids, args.tokens, args.repeat)
    rates = {}
    for name, model in models.items():
        params = sum(p.numel() for p in model.parameters()) / 1e6
        wall = args.tokens / min(w for w, _ in runs[name])
        median = args.tokens / statistics.median(w for w, _ in runs[name])
        cpu = args.tokens / min(c for _, c in runs[name])
        rates[name] = wall
        print(f"  {name:36s} {params:6.1f} M params  {wall:7.1f} tokens/s (best), "
              f"{median:7.1f} (median), {cpu:7.1f} tokens per CPU-second", flush=True)
    first, second = rates.values()
    print(f"  the bundled model is {first / second:.1f}x faster")

    generator = ScriptGenerator(str(FALLBACK_DIR), device="cpu")
    result = generator.generate(PROMPT, SamplingParams(max_new_tokens=args.tokens, variants=args.repeat, seed=0))
    rate = sum(result.tokens) / result.seconds
    print(f"  engine streaming path, bundled model: {rate:8.1f} tokens/s "
          f"({sum(result.tokens)} tokens in {result.seconds:.2f} s, {args.repeat} variants)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
