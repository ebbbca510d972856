"""Full analysis (shots + features + emotion) on the shared dev sequences, against its parts.

Run: ``.venv/bin/python benchmarks/analyze.py [--media DIR] [--threads N] [--only seq00 ...]``.
Prints, per sequence and overall, frames of source per second (decode included) for
plain decoding (at the shot detector's 48x27 and at the affect pass's 320-wide size),
shot detection alone, the affect pass alone and the full analysis, the full
analysis' time as a multiple of shot detection alone (target: at most 1.15x), and the
affect pass split by stage. All in the same run, on the same files and threads,
caches off, models loaded before the clocks start.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from engine.affect.emotion import emotion_job  # noqa: E402
from engine.affect.features import analysis_size  # noqa: E402
from engine.jobs import drive  # noqa: E402
from engine.media import FrameReader, probe  # noqa: E402
from engine.shots import detect_shots  # noqa: E402
from engine.shots.network import INPUT_SIZE, shared_network  # noqa: E402

STAGES = ("sound", "decode+picture+motion", "faces", "expressions", "emotion")


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
          f"{len(sequences)} sequences; times in seconds, speeds in source fps")
    header = (f"{'sequence':14} {'frames':>6} {'dec48':>7} {'dec320':>7} {'shots':>7} {'affect':>7} "
              f"{'full':>7} {'full/shots':>10}  " + " ".join(f"{s[:12]:>12}" for s in STAGES))
    print(header)
    totals = {k: 0.0 for k in ("frames", "dec48", "dec320", "shots", "affect", *STAGES)}
    for path in sequences:
        info = probe(path)
        frames = info.video.frame_count
        size = analysis_size(info.video.width, info.video.height)
        d48 = plain_decode(path, INPUT_SIZE, "rgb24")
        d320 = plain_decode(path, size, "bgr24")
        t = time.perf_counter()
        shots = detect_shots(path, cache=None, device="cpu")
        t_shots = time.perf_counter() - t
        t = time.perf_counter()
        result = drive(emotion_job(path, shots, info, cache=None, device="cpu", learned=None))
        t_affect = time.perf_counter() - t
        full = t_shots + t_affect
        stages = [result.timings.get(s, 0.0) for s in STAGES]
        print(f"{path.stem:14} {frames:>6} {frames / d48:>7.0f} {frames / d320:>7.0f} {frames / t_shots:>7.1f} "
              f"{frames / t_affect:>7.1f} {frames / full:>7.1f} {full / t_shots:>9.2f}x  "
              + " ".join(f"{s:>12.2f}" for s in stages), flush=True)
        for k, v in zip(("frames", "dec48", "dec320", "shots", "affect"), (frames, d48, d320, t_shots, t_affect)):
            totals[k] += v
        for s, v in zip(STAGES, stages):
            totals[s] += v
    n = totals["frames"]
    full = totals["shots"] + totals["affect"]
    print(f"{'all':14} {n:>6.0f} {n / totals['dec48']:>7.0f} {n / totals['dec320']:>7.0f} {n / totals['shots']:>7.1f} "
          f"{n / totals['affect']:>7.1f} {n / full:>7.1f} {full / totals['shots']:>9.2f}x  "
          + " ".join(f"{totals[s]:>12.2f}" for s in STAGES))
    affect = totals["affect"]
    print("affect pass split: " + ", ".join(f"{s} {totals[s] / affect:.0%}" for s in STAGES)
          + f"; target full/shots <= 1.15x: {'met' if full / totals['shots'] <= 1.15 else 'NOT met'}")


if __name__ == "__main__":
    main()
