"""Full analysis (shots + features + emotion, then the cut facts) on the shared dev
sequences, against its parts.

Run: ``.venv/bin/python benchmarks/analyze.py [--media DIR] [--threads N] [--only seq00 ...]``.
Prints, per sequence and overall, wall and CPU seconds for a plain decode at the shot
detector's 48x27, shot detection alone, the analysers each decoding the file again (as
before) and ``analysis_job`` decoding it once, the full analysis' time as a multiple of
shot detection alone (target: at most 1.15x), and the single pass's later stages. All in
the same run, on the same files and threads, caches off (a fresh one where the cut facts
must be kept), models loaded before the clocks start.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from engine.affect.emotion import emotion_job  # noqa: E402
from engine.analysis import analysis_job  # noqa: E402
from engine.analysis.facts import facts_job  # noqa: E402
from engine.cache.store import AnalysisCache  # noqa: E402
from engine.jobs import drive  # noqa: E402
from engine.media import FrameReader, probe  # noqa: E402
from engine.shots import detect_shots  # noqa: E402
from engine.shots.network import INPUT_SIZE, shared_network  # noqa: E402

STAGES = ("sound", "sound wait", "faces", "expressions", "emotion")


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
    from engine.analysis.facts import _vad
    _vad()  # the cut facts' voice-activity model
    import pyloudnorm  # noqa: F401  (its scipy.signal import alone takes ~1 s)

    print(f"device {network.device} (shot network: {type(network).__name__}); torch threads {args.threads}; "
          f"{len(sequences)} sequences; wall seconds (CPU seconds of the process in brackets)")
    print("dec48: plain decode at 48x27. shots: shot detection alone. Before, decoding per analyser: "
          "2-pass = shots, then emotion decoding again; 3-pass = that, then the cut facts decoding a third "
          "time. Now, analysis_job: 1-pass = shots and emotion from one decode; 1-pass+facts = with the cut "
          "facts too (what the app and pipeline run)")
    header = (f"{'sequence':10} {'frames':>6} {'dec48':>12} {'shots':>12} {'2-pass':>12} {'3-pass':>12} "
              f"{'1-pass':>12} {'1-pass+facts':>12} {'2p/sh':>6} {'1p/sh':>6} {'3p/sh':>6} {'1p+f/sh':>7}  "
              + " ".join(f"{s[:11]:>11}" for s in STAGES))
    print(header)
    columns = ("dec48", "shots", "two", "three", "one", "all")
    keys = ("frames", *columns, *(f"{c}_cpu" for c in columns), *STAGES)
    totals = dict.fromkeys(keys, 0.0)

    def clocked(fn, *args, **kwargs):
        wall, cpu = time.perf_counter(), time.process_time()
        out = fn(*args, **kwargs)
        return out, time.perf_counter() - wall, time.process_time() - cpu

    for path in sequences:
        info = probe(path)
        row = {"frames": info.video.frame_count}
        _, row["dec48"], row["dec48_cpu"] = clocked(plain_decode, path, INPUT_SIZE, "rgb24")
        shots, row["shots"], row["shots_cpu"] = clocked(detect_shots, path, cache=None, device="cpu")
        _, t, c = clocked(drive, emotion_job(path, shots, info, cache=None, device="cpu", learned=None))
        row["two"], row["two_cpu"] = row["shots"] + t, row["shots_cpu"] + c
        _, t, c = clocked(drive, facts_job(path, shots, info, cache=None))
        row["three"], row["three_cpu"] = row["two"] + t, row["two_cpu"] + c
        single, row["one"], row["one_cpu"] = clocked(drive, analysis_job(path, cache=None, device="cpu"))
        with tempfile.TemporaryDirectory() as folder:  # the cut facts are measured only to be cached
            _, row["all"], row["all_cpu"] = clocked(drive, analysis_job(
                path, cache=AnalysisCache(Path(folder) / "cache.sqlite"), device="cpu"))
        assert [tuple(s) for s in single.shots.shots] == [tuple(s) for s in shots.shots]
        row.update({s: single.emotion.timings.get(s, 0.0) for s in STAGES})
        for k in keys:
            totals[k] += row[k]
        _row(path.stem, row)
    _row("all", totals)
    ratio = totals["one"] / totals["shots"]
    print(f"full analysis (shots + emotion) / shots alone: {ratio:.2f}x wall, "
          f"{totals['one_cpu'] / totals['shots_cpu']:.2f}x CPU (decoding twice: {totals['two'] / totals['shots']:.2f}x); "
          f"target <= 1.15x: {'met' if ratio <= 1.15 else 'NOT met'}")
    print(f"with the cut facts: {totals['all'] / totals['shots']:.2f}x wall, "
          f"{totals['all_cpu'] / totals['shots_cpu']:.2f}x CPU (decoding three times: "
          f"{totals['three'] / totals['shots']:.2f}x)")


def _row(name: str, r: dict) -> None:
    def cell(k):
        return f"{r[k]:6.1f} ({r[k + '_cpu']:4.0f})"
    print(f"{name[:10]:10} {r['frames']:>6.0f} {cell('dec48'):>12} {cell('shots'):>12} {cell('two'):>12} "
          f"{cell('three'):>12} {cell('one'):>12} {cell('all'):>12} {r['two'] / r['shots']:>5.2f}x "
          f"{r['one'] / r['shots']:>5.2f}x {r['three'] / r['shots']:>5.2f}x {r['all'] / r['shots']:>6.2f}x  "
          + " ".join(f"{r[s]:>11.2f}" for s in STAGES), flush=True)

if __name__ == "__main__":
    main()
