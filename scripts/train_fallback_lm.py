"""Train the small causal LM that Moviola ships as its offline script model.

Usage: .venv/bin/python scripts/train_fallback_lm.py [--corpus FILE] [--out DIR] [--steps N]

The corpus is Shakespeare's dialogue (../shared/corpora/tinyshakespeare.txt, public domain)
rewritten in screenplay dialogue layout: each `Speaker:` block becomes a Fountain character
cue in capitals followed by its lines, so the model learns the layout a writer sees in the
script tab. The last tenth of the speeches is held out for validation (a contiguous tail,
not random lines: neighbouring lines of one speech would leak into training otherwise).

Writes into DIR (default tests/engine/data/tiny-script-lm): config.json, generation_config.json,
model.safetensors (float16, a few MB), the byte-level BPE tokenizer, training.json with
the loss/perplexity history and training.png with the curves. README.md is kept by hand.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import re
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MOVIOLA_SHARED", REPO.parent / "shared"))
EOS = "<|endoftext|>"

# Model size: measured on the shared 2-core build machine (about half a core free), a 4-layer,
# 128-wide model is what ten minutes of CPU can train past one epoch; float16 weights ~3 MB.
MODEL = dict(n_layer=4, n_embd=128, n_head=4, n_positions=256)
VOCAB_SIZE = 4096
BLOCK = 256  # train on the full context: untrained positions would garble long generations


def to_screenplay(text: str) -> list[str]:
    """Rewrite `Speaker:` / lines blocks as screenplay dialogue; one string per speech."""
    speeches = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [line.rstrip() for line in block.splitlines() if line.strip()]
        if len(lines) < 2 or not lines[0].endswith(":"):
            continue  # a stray fragment without a speaker; screenplay dialogue needs a cue
        cue = lines[0][:-1].strip().upper()
        speeches.append("\n".join([cue, *lines[1:]]))
    return speeches


def train_tokenizer(texts: list[str], out: Path):
    """Byte-level BPE (so any text round-trips), saved as a transformers fast tokenizer."""
    from tokenizers import ByteLevelBPETokenizer
    from transformers import PreTrainedTokenizerFast

    bpe = ByteLevelBPETokenizer(add_prefix_space=False)
    bpe.train_from_iterator(texts, vocab_size=VOCAB_SIZE, min_frequency=2, special_tokens=[EOS])
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe._tokenizer, bos_token=EOS,
                                        eos_token=EOS, unk_token=EOS, pad_token=EOS,
                                        model_max_length=MODEL["n_positions"])
    tokenizer.save_pretrained(out)
    return tokenizer


def encode(tokenizer, speeches: list[str]) -> list[int]:
    # Speeches are separated by a blank line, as dialogue blocks are in Fountain.
    return tokenizer("\n\n".join(speeches) + "\n\n")["input_ids"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=SHARED / "corpora" / "tinyshakespeare.txt")
    parser.add_argument("--out", type=Path, default=REPO / "tests" / "engine" / "data" / "tiny-script-lm")
    parser.add_argument("--steps", type=int, default=260)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--lr", type=float, default=2.5e-3)
    parser.add_argument("--eval-every", type=int, default=20)
    parser.add_argument("--max-minutes", type=float, default=13.0,
                        help="stop early (and say so in training.json) past this wall time")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)

    import numpy as np
    import torch
    from transformers import GenerationConfig, GPT2Config, GPT2LMHeadModel

    torch.manual_seed(args.seed)
    random.seed(args.seed)
    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)

    speeches = to_screenplay(args.corpus.read_text(encoding="utf-8"))
    split = int(len(speeches) * 0.9)
    train_speeches, val_speeches = speeches[:split], speeches[split:]
    tokenizer = train_tokenizer(train_speeches, args.out)  # validation text stays unseen
    train_ids = torch.tensor(encode(tokenizer, train_speeches), dtype=torch.long)
    val_ids = torch.tensor(encode(tokenizer, val_speeches), dtype=torch.long)
    val_chars = len("\n\n".join(val_speeches) + "\n\n")
    print(f"speeches: {len(train_speeches)} train / {len(val_speeches)} validation; "
          f"tokens: {len(train_ids)} / {len(val_ids)}", flush=True)

    config = GPT2Config(vocab_size=len(tokenizer), bos_token_id=tokenizer.eos_token_id,
                        eos_token_id=tokenizer.eos_token_id, n_ctx=MODEL["n_positions"], **MODEL)
    model = GPT2LMHeadModel(config)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"parameters: {n_params / 1e6:.2f} M", flush=True)

    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    optimiser = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                                   {"params": no_decay, "weight_decay": 0.0}],
                                  lr=args.lr, betas=(0.9, 0.95))
    warmup = max(args.steps // 20, 1)

    def lr_at(step: int) -> float:
        if step < warmup:
            return args.lr * (step + 1) / warmup
        progress = (step - warmup) / max(args.steps - warmup, 1)
        return args.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))

    # Validation uses every non-overlapping window of the held-out tail, so figures are exact.
    n_val = (len(val_ids) - 1) // BLOCK
    val_x = val_ids[: n_val * BLOCK].view(n_val, BLOCK)
    val_y = val_ids[1: n_val * BLOCK + 1].view(n_val, BLOCK)

    @torch.no_grad()
    def validation_loss() -> float:
        model.eval()
        total = 0.0
        for i in range(0, n_val, 64):
            logits = model(val_x[i:i + 64]).logits
            total += torch.nn.functional.cross_entropy(
                logits.reshape(-1, logits.size(-1)), val_y[i:i + 64].reshape(-1),
                reduction="sum").item()
        model.train()
        return total / (n_val * BLOCK)

    history = {"step": [], "train_loss": [], "val_loss": [], "lr": []}
    generator = torch.Generator().manual_seed(args.seed)
    start = time.perf_counter()
    running = []
    model.train()
    stopped_early = False
    for step in range(args.steps + 1):
        if not stopped_early and time.perf_counter() - start > args.max_minutes * 60:
            stopped_early = True  # a busy shared machine must not turn this into an hour's job
        last = step == args.steps or stopped_early
        if step % args.eval_every == 0 or last:
            val = validation_loss()
            train = float(np.mean(running)) if running else float("nan")
            running = []
            history["step"].append(step)
            history["train_loss"].append(train)
            history["val_loss"].append(val)
            history["lr"].append(lr_at(step))
            print(f"step {step:5d}  train {train:.3f}  val {val:.3f}  ppl {math.exp(val):8.2f}"
                  f"  {time.perf_counter() - start:6.0f} s", flush=True)
        if last:
            break
        offsets = torch.randint(0, len(train_ids) - BLOCK - 1, (args.batch,), generator=generator)
        x = torch.stack([train_ids[o:o + BLOCK] for o in offsets])
        y = torch.stack([train_ids[o + 1:o + BLOCK + 1] for o in offsets])
        for group in optimiser.param_groups:
            group["lr"] = lr_at(step)
        logits = model(x).logits
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1))
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        running.append(loss.item())
    seconds = time.perf_counter() - start

    # float16 halves the file; the engine loads it back as float32 on CPU.
    model.half().save_pretrained(args.out, safe_serialization=True)
    GenerationConfig(bos_token_id=config.bos_token_id, eos_token_id=config.eos_token_id,
                     pad_token_id=config.eos_token_id, do_sample=True, top_k=50,
                     top_p=0.95).save_pretrained(args.out)

    final = history["val_loss"][-1]
    best = min(history["val_loss"])
    summary = {
        "corpus": "tinyshakespeare.txt (karpathy/char-rnn data/tinyshakespeare/input.txt, "
                  "commit 6f9487a6fe5b420b7ca9afb0d7c078e37c1d1b4e); public domain",
        "layout": "screenplay dialogue: CHARACTER cue in capitals, dialogue lines, blank line",
        "split": {"train_speeches": len(train_speeches), "validation_speeches": len(val_speeches),
                  "train_tokens": len(train_ids), "validation_tokens": len(val_ids),
                  "validation_chars": val_chars},
        "model": {**MODEL, "vocab_size": len(tokenizer), "parameters": n_params,
                  "stored_dtype": "float16"},
        "training": {"steps": history["step"][-1], "planned_steps": args.steps,
                     "stopped_early": stopped_early, "batch": args.batch, "block": BLOCK, "lr": args.lr,
                     "seed": args.seed, "threads": args.threads, "seconds": round(seconds, 1),
                     "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
                     "torch": torch.__version__},
        "final": {"validation_loss": round(final, 4), "validation_perplexity": round(math.exp(final), 2),
                  "best_validation_loss": round(best, 4),
                  "train_loss": round(history["train_loss"][-1], 4),
                  "validation_bits_per_char": round(final * len(val_ids) / val_chars / math.log(2), 4)},
        # The step-0 train loss has no batches behind it: null, since JSON has no NaN.
        "history": {k: [None if math.isnan(v) else round(v, 5) for v in vals]
                    for k, vals in history.items()},
    }
    (args.out / "training.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    plot(history, args.out / "training.png")
    print(json.dumps(summary["final"]), flush=True)
    return 0


def plot(history: dict, path: Path) -> None:
    """Loss and perplexity curves, train and validation, on one figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = history["step"]
    fig, (ax_loss, ax_ppl) = plt.subplots(1, 2, figsize=(10, 4))
    # The step-0 train entry has no batches behind it (NaN); matplotlib skips it.
    ax_loss.plot(steps, history["train_loss"], label="train (mean since last eval)")
    ax_loss.plot(steps, history["val_loss"], label="validation")
    ax_loss.set(xlabel="step", ylabel="cross-entropy (nats / token)", title="Loss")
    ax_ppl.plot(steps, [math.exp(v) for v in history["train_loss"]], label="train")
    ax_ppl.plot(steps, [math.exp(v) for v in history["val_loss"]], label="validation")
    ax_ppl.set(xlabel="step", ylabel="perplexity", title="Perplexity", yscale="log")
    for ax in (ax_loss, ax_ppl):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle("Moviola script-lm: screenplay-layout Shakespeare, 90/10 split")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    sys.exit(main())
