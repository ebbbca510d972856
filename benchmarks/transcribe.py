"""Transcription speed: seconds of speech transcribed per second of work (real-time factor),
against the audio's duration and against a plain decode of the same audio in the same run.

Run: ``.venv/bin/python benchmarks/transcribe.py [FILE] [--seconds N] [--threads N] [--model DIR]``.
Default: the shared lecture narration (physicsworks, 203 s of speech), whole, with the bundled
Whisper tiny.en on two CPU threads (target: faster than real time, RTF above 1). The model is
loaded before the clocks start; the cache is off.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
LECTURE = REPO.parent / "shared/media/sources/physicsworks_lecture_audio.webm"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", default=str(LECTURE))
    parser.add_argument("--seconds", type=float, help="only the first N seconds (cut without re-encoding)")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads for Whisper (default 2)")
    parser.add_argument("--model", default="", help="a faster-whisper model folder (default: bundled tiny.en)")
    args = parser.parse_args()
    os.environ["OMP_NUM_THREADS"] = str(args.threads)

    from engine.jobs import drive
    from engine.media.audio import read_audio
    from engine.transcript import model as models
    from engine.transcript.transcribe import RATE, transcribe_job

    path = Path(args.file)
    with tempfile.TemporaryDirectory() as tmp:
        if args.seconds:
            cut = Path(tmp) / f"cut{path.suffix}"
            subprocess.run(["ffmpeg", "-loglevel", "error", "-i", str(path), "-t", str(args.seconds),
                            "-c", "copy", str(cut)], check=True)
            path = cut
        os.environ["MOVIOLA_CACHE_DIR"] = tmp
        os.environ["MOVIOLA_CONFIG_DIR"] = tmp
        models._threads = args.threads
        loaded = models.load(args.model)  # load outside the clock

        start = time.perf_counter()
        sound = read_audio(path, RATE, 1)
        decode_s = time.perf_counter() - start
        duration = sound.shape[1] / RATE

        start = time.perf_counter()
        transcript = drive(transcribe_job(path, model=args.model, cache=None))
        transcribe_s = time.perf_counter() - start

    speech = sum(s.end - s.start for s in transcript.segments)
    print(f"file           {Path(args.file).name}  ({duration:.1f} s of audio, {speech:.1f} s in segments, "
          f"{len(transcript.words)} words)")
    print(f"model          {loaded.name}, {args.threads} threads")
    print(f"plain decode   {decode_s:7.2f} s   {duration / decode_s:7.1f}x real time (16 kHz mono)")
    print(f"transcribe     {transcribe_s:7.2f} s   {duration / transcribe_s:7.1f}x real time "
          f"(decode included; {transcribe_s / decode_s:.1f}x the plain decode)")
    verdict = "faster" if duration / transcribe_s > 1 else "SLOWER"
    print(f"target         faster than real time on {args.threads} threads: {verdict}")


if __name__ == "__main__":
    main()
