"""`moviola-cli transcribe` and `moviola-cli script-match`."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

FORMATS = {"json": ".json", "srt": ".srt", "vtt": ".vtt", "txt": ".txt"}


def register(subparsers) -> None:
    """Add the `transcribe` and `script-match` subcommands to the CLI's subparsers."""
    p = subparsers.add_parser(
        "transcribe", help="speech to text with word times, as JSON, SRT, VTT or text",
        description="Transcribe the speech of media files offline (Whisper tiny.en by default).")
    p.add_argument("files", nargs="+", metavar="FILE")
    kind = p.add_mutually_exclusive_group()
    for name in FORMATS:
        kind.add_argument(f"--{name}", dest="format", action="store_const", const=name,
                          help=f"{name.upper()} output" + (" (default)" if name == "txt" else ""))
    p.add_argument("-o", "--output", metavar="OUT",
                   help="write to OUT instead of standard output (a folder when several files)")
    _model_options(p)
    p.set_defaults(func=_cmd_transcribe, format="txt")

    p = subparsers.add_parser(
        "script-match", help="find the takes that say each dialogue line of a screenplay",
        description="For each dialogue line of a Fountain screenplay, the takes whose words "
                    "match it best (aligned on their transcripts), with ranges and a 0..1 score.")
    p.add_argument("script", metavar="SCRIPT.fountain")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--best", type=int, default=3, help="takes listed per line (default 3)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    _model_options(p)
    p.set_defaults(func=_cmd_script_match)


def _model_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", metavar="DIR",
                   help="a local faster-whisper model folder (default: the settings' choice, "
                        "else the bundled tiny.en)")
    p.add_argument("--language", metavar="CODE", help="language code such as en (default: detected)")


def _transcripts(args: argparse.Namespace):
    """(file name, Transcript) for each readable file; one line on stderr for each other."""
    from engine.jobs import Cancelled, drive
    from engine.media import MediaError

    from .transcribe import transcribe_job

    warned: set[str] = set()
    for name in args.files:
        try:
            result = drive(transcribe_job(name, model=args.model, language=args.language))
        except MediaError as exc:
            print(f"moviola-cli: {exc}", file=sys.stderr)
            yield name, None
            continue
        except (Cancelled, KeyboardInterrupt):
            print("moviola-cli: cancelled", file=sys.stderr)
            raise SystemExit(130) from None
        for warning in result.warnings:
            if warning not in warned:
                warned.add(warning)
                print(f"moviola-cli: {warning}", file=sys.stderr)
        if result.reason:
            print(f"moviola-cli: {Path(name).name}: {result.reason}", file=sys.stderr)
        yield name, result


def _cmd_transcribe(args: argparse.Namespace) -> int:
    from .captions import to_srt, to_txt, to_vtt

    render = {"json": lambda t: json.dumps(t.to_dict(), indent=2, ensure_ascii=False) + "\n",
              "srt": to_srt, "vtt": to_vtt, "txt": to_txt}[args.format]
    several = len(args.files) > 1
    out = Path(args.output) if args.output else None
    if out is not None and several:
        out.mkdir(parents=True, exist_ok=True)
    failed, documents = 0, []
    for name, transcript in _transcripts(args):
        if transcript is None:
            failed += 1
            continue
        if out is not None:
            target = out / (Path(name).stem + FORMATS[args.format]) if several else out
            target.write_text(render(transcript), encoding="utf-8")
        elif args.format == "json":
            documents.append(transcript.to_dict())
        else:
            if several:
                print(f"== {name}")
            sys.stdout.write(render(transcript))
    if documents:  # one object for one file, a list of them for several
        json.dump(documents if several else documents[0], sys.stdout, indent=2, ensure_ascii=False)
        print()
    return 1 if failed else 0


def _cmd_script_match(args: argparse.Namespace) -> int:
    from .matching import match_lines

    try:
        lines = dialogue_lines(Path(args.script).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        print(f"moviola-cli: {args.script}: cannot read the screenplay ({exc})", file=sys.stderr)
        return 1
    if not lines:
        print(f"moviola-cli: {args.script}: no dialogue lines", file=sys.stderr)
        return 1
    transcripts = [t for _, t in _transcripts(args) if t is not None]
    results = match_lines(lines, transcripts, keep=args.best)
    if args.json:
        json.dump([{"character": who, "line": text,
                    "takes": [{"file": m.file, "start": m.start, "end": m.end, "score": m.score,
                               "said": m.said} for m in found]}
                   for who, text, found in results], sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        for number, (who, text, found) in enumerate(results, 1):
            print(f"{number}. {who}: {text}")
            for m in found:
                print(f"    {m.score:.2f}  {Path(m.file).name}  {m.start:.2f}-{m.end:.2f} s  \"{m.said}\"")
            if not found:
                print("    no take says it")
    return 0 if len(transcripts) == len(args.files) else 1


def dialogue_lines(fountain_text: str) -> list[tuple[str, str]]:
    """(character, line) for each dialogue block of a Fountain screenplay."""
    from engine.script.fountain import CHARACTER, DIALOGUE, parse

    lines, speaker = [], ""
    for element in parse(fountain_text).elements:
        if element.kind == CHARACTER:
            speaker = element.text
        elif element.kind == DIALOGUE:
            lines.append((speaker, " ".join(element.text.split())))
    return lines
