"""Full analysis (shots + features + emotion) on the shared dev sequences, against its parts.

Run: ``.venv/bin/python benchmarks/analyze.py [--media DIR] [--threads N] [--only seq00 ...]``.
Prints, per sequence and overall, wall and CPU seconds for a plain decode at the shot
detector's 48x27, shot detection alone, the old two-pass analysis (shots, then the affect
pass decoding the file again) and ``analysis_job`` (one decode for both), the full
analysis' time as a multiple of shot detection alone (target: at most 1.15x), and the
single pass's later stages. All in the same run, on the same files and threads, caches
off, models loaded before the clocks start.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from engine.affect.emotion import emotion_job  # noqa: E402
from engine.analysis import analysis_job  # noqa: E402
from engine.jobs import drive  # noqa: E402
from engine.media import FrameReader, probe  # noqa: E402
from engine.shots import detect_shots  # noqa: E402
from engine.shots.network import INPUT_SIZE, shared_network  # noqa: E402

STAGES = ("sound", "faces", "expressions", "emotion")


def plain_decode(path: Path, size, pix_fmt: str) -> float:
    start = time.perf_counter()
    with FrameReader(path, size=size, pix_fmt=pix_fmt) as reader:
        for _ in reader.frames():
            pass
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--media", type=Path, default=REPO.parent / "shared" / "media")
    parser.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    parser.add_argument("--only", nargs="*", default=None, help="sequence name prefixes, e.g. seq00 seq03")
    args = parser.parse_args()

    import cv2
    import numpy as np
    import torch

    from engine.affect.expressions import get_classifier

    torch.set_num_threads(args.threads)
    cv2.setNumThreads(1)  # frame-sized OpenCV calls only lose to thread start-up
    sequences = sorted((args.media / "sequences").glob("*.mp4"))
    if args.only:
        sequences = [p for p in sequences if any(p.name.startswith(o) for o in args.only)]
    # Load every model outside the timings, as an app that is already open has.
    network = shared_network("cpu")
    get_classifier("cpu").probabilities(np.zeros((1, 64, 64), np.uint8))
    import pyloudnorm  # noqa: F401  (its scipy.signal import alone takes ~1 s)

    print(f"device {network.device} (shot network: {type(network).__name__}); torch threads {args.threads}; "
          f"{len(sequences)} sequences; wall seconds (CPU seconds of the process in brackets)")
    print("dec48 = plain decode at 48x27; shots = shot detection alone; two-pass = shots, then the "
          "affect pass decoding again (before); single = analysis_job, one decode (now)")
    header = (f"{'sequence':10} {'frames':>6} {'dec48':>12} {'shots':>12} {'two-pass':>12} {'single':>12} "
              f"{'2p/shots':>8} {'1p/shots':>8}  " + " ".join(f"{s[:12]:>12}" for s in STAGES))
    print(header)
    keys = ("frames", "dec48", "shots", "two", "one", "dec48_cpu", "shots_cpu", "two_cpu", "one_cpu", *STAGES)
    totals = dict.fromkeys(keys, 0.0)

    def clocked(fn, *args, **kwargs):
        wall, cpu = time.perf_counter(), time.process_time()
        out = fn(*args, **kwargs)
        return out, time.perf_counter() - wall, time.process_time() - cpu

    for path in sequences:
        info = probe(path)
        frames = info.video.frame_count
        _, d48, d48c = clocked(plain_decode, path, INPUT_SIZE, "rgb24")
        shots, t_shots, c_shots = clocked(detect_shots, path, cache=None, device="cpu")
        _, t_affect, c_affect = clocked(drive, emotion_job(path, shots, info, cache=None, device="cpu", learned=None))
        analysis, t_one, c_one = clocked(drive, analysis_job(path, cache=None, device="cpu"))
        assert [tuple(s) for s in analysis.shots.shots] == [tuple(s) for s in shots.shots]
        stages = [analysis.emotion.timings.get(s, 0.0) for s in STAGES]
        row = dict(frames=frames, dec48=d48, shots=t_shots, two=t_shots + t_affect, one=t_one, dec48_cpu=d48c,
                   shots_cpu=c_shots, two_cpu=c_shots + c_affect, one_cpu=c_one, **dict(zip(STAGES, stages)))
        for k in keys:
            totals[k] += row[k]
        _row(path.stem, row)
    _row("all", totals)
    ratio = totals["one"] / totals["shots"]
    print(f"full analysis / shots alone: {ratio:.2f}x wall, {totals['one_cpu'] / totals['shots_cpu']:.2f}x CPU "
          f"(two decodes: {totals['two'] / totals['shots']:.2f}x wall); target <= 1.15x: "
          f"{'met' if ratio <= 1.15 else 'NOT met'}")


def _row(name: str, r: dict) -> None:
    def cell(k):
        return f"{r[k]:6.1f} ({r[k + '_cpu']:4.0f})"
    print(f"{name:10} {r['frames']:>6.0f} {cell('dec48'):>12} {cell('shots'):>12} {cell('two'):>12} "
          f"{cell('one'):>12} {r['two'] / r['shots']:>7.2f}x {r['one'] / r['shots']:>7.2f}x  "
          + " ".join(f"{r[s]:>12.2f}" for s in STAGES), flush=True)


if __name__ == "__main__":
    main()
