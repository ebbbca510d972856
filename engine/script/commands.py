"""`moviola-cli script`: draft screenplay text from a prompt, from the command line."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def register(subparsers) -> None:
    """Add the `script` subcommand to the CLI's subparsers."""
    p = subparsers.add_parser(
        "script", help="continue a screenplay prompt with a language model",
        description="Continue PROMPT (e.g. a scene heading and an action line; \\n in it "
                    "means a line break) with a causal language model, in several variants.")
    p.add_argument("prompt", metavar="PROMPT", help='text to continue; "-" reads standard input')
    p.add_argument("--variants", type=int, default=3, help="how many drafts (default 3)")
    p.add_argument("--model", default=None,
                   help="Hugging Face model id or local folder (default: the settings' script "
                        "model, out of the box the bundled SmolLM2-135M-Instruct, which also "
                        "stands in when the chosen model cannot be loaded)")
    p.add_argument("--max-new-tokens", type=int, default=120, help="length of each draft (default 120)")
    p.add_argument("--seed", type=int, help="variant i uses seed S+i: same seed, same drafts")
    p.add_argument("--temperature", type=float, default=0.9)
    p.add_argument("--top-k", type=int, default=50)
    p.add_argument("--top-p", type=float, default=0.95)
    p.add_argument("--repetition-penalty", type=float, default=1.1)
    p.add_argument("--device", help="cuda or cpu (default: cuda when available)")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="write the drafts as .fountain, .fdx or .pdf (by suffix); variant 2 "
                        "onwards go to FILE-2, FILE-3, ...")
    p.add_argument("--json", action="store_true",
                   help='print {"model", "fallback", "variants"} instead of streaming text')
    p.set_defaults(func=_cmd_script)


def _cmd_script(args: argparse.Namespace) -> int:
    from engine.script import SamplingParams, ScriptGenerator, export, parse
    from engine.script.models import ModelUnavailable

    prompt = sys.stdin.read() if args.prompt == "-" else args.prompt.replace("\\n", "\n")
    try:
        params = SamplingParams(max_new_tokens=args.max_new_tokens, temperature=args.temperature,
                                top_k=args.top_k, top_p=args.top_p,
                                repetition_penalty=args.repetition_penalty,
                                variants=args.variants, seed=args.seed)
    except ValueError as exc:
        print(f"moviola-cli: {exc}", file=sys.stderr)
        return 2
    _quiet_transformers()
    if args.model is None:
        from engine.settings import load

        args.model = load().script_model
    generator = ScriptGenerator(args.model, args.device)
    try:
        generator.load()
    except ModelUnavailable as exc:
        print(f"moviola-cli: {exc}", file=sys.stderr)
        return 1
    if generator.message:
        print(f"moviola-cli: {generator.message}", file=sys.stderr)

    job = generator.stream(prompt, params)
    current = -1
    try:
        while True:
            chunk = next(job)
            if args.json:
                continue
            if chunk.variant != current:
                current = chunk.variant
                print(f"\n--- variant {current + 1} ---\n{prompt}", end="", flush=True)
            print(chunk.text, end="", flush=True)
    except StopIteration as stop:
        result = stop.value
    except KeyboardInterrupt:
        job.close()  # stops the model thread
        print("\nmoviola-cli: cancelled", file=sys.stderr)
        return 130

    if args.json:
        json.dump(result.to_json(), sys.stdout, indent=2, ensure_ascii=False)
    print()
    if args.output:
        out = Path(args.output)
        for i in range(len(result.variants)):
            path = out if i == 0 else out.with_name(f"{out.stem}-{i + 1}{out.suffix}")
            try:
                export(parse(result.draft(i)), path)
            except (OSError, ValueError) as exc:
                print(f"moviola-cli: {exc}", file=sys.stderr)
                return 1
            print(f"wrote {path}", file=sys.stderr)
    return 0


def _quiet_transformers() -> None:
    # Weight-loading progress bars and generation notices are noise on a command line.
    from transformers.utils import logging

    logging.disable_progress_bar()
    logging.set_verbosity_error()
