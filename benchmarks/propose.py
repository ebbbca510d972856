"""Cut proposals: time to produce 3 alternatives for 100, 1,000 and 10,000 analysed shots.

Run: ``.venv/bin/python benchmarks/propose.py [--duration 60] [--arc trailer] [--repeat 3]``.
Shots are synthetic (random emotion, motion peaks, faces, lines, colour histograms,
dissolves between some) so the figure measures the proposer alone, not analysis.
Prints the best of ``--repeat`` runs per size, how time grows from size to size against
linear and n log n growth, and the fitted exponent. Target: 1,000 shots under 2 s on
one core; growth no worse than n log n for a fixed target duration.

Then, from real footage (``--footage``, by default the dev sequences with narration),
through the pool the CLI and the app build: time to read the analyses and cut facts from
the cache (the first run analyses and fills it), time to propose, and the share of audio
edit points inside speech "before" (speech unknown to the proposer, A1 following V1, as
the JSON round trip left it) and "after" (speech known, dialogue-safe audio edits).
"""
from __future__ import annotations

import os

# One core, as the target says: numpy's and LightGBM's thread pools stay single.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from fractions import Fraction  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.edit import AnalysedShot, propose  # noqa: E402

SIZES = (100, 1_000, 10_000)
NARRATED = ("seq01_25fps.mp4", "seq02_29p97fps.mp4", "seq04_25fps.mp4", "seq05_29p97fps.mp4")
TARGET_S = 2.0  # at 1,000 shots


def footage(n: int, seed: int = 0) -> list[AnalysedShot]:
    """n shots of 1-8 s over 10 files, like a few hours of rushes."""
    rng = np.random.default_rng(seed)
    rate = Fraction(24000, 1001)
    shots, starts = [], [0] * 10
    for i in range(n):
        f = i * 10 // n
        length = int(rng.integers(24, 192))
        start = starts[f]
        starts[f] += length
        avoid = [(start, start + 11)] if rng.random() < 0.2 else []  # a dissolve into it
        speech = []
        if rng.random() < 0.3:
            a = start + int(rng.integers(0, length // 2))
            speech = [(a, min(start + length - 1, a + int(rng.integers(12, 60))))]
        faces = rng.random() < 0.4
        shots.append(AnalysedShot(
            Path(f"/rushes/card{f:02d}.mov"), rate, start, start + length - 1, index=i,
            valence=float(rng.uniform(-1, 1)), arousal=float(rng.uniform(0, 1)), label="tense",
            confidence=0.7, motion_peaks=sorted(rng.integers(start, start + length, int(rng.integers(0, 4))).tolist()),
            face_frames=list(range(start, start + length, 8)) if faces else [], face_count=int(faces),
            face_scale=float(rng.uniform(0.05, 0.5)) if faces else 0.0, speech=speech, avoid=avoid,
            histogram=rng.random(32).astype(np.float32)))
    return shots


def real_footage(paths: list[str], duration: float, arc: str) -> None:
    """Proposals from real cached analyses, and audio edits inside speech before and after."""
    import dataclasses

    from engine.edit.audio_edits import edits_inside_speech, picture_edits_inside_speech
    from engine.edit.from_analysis import proposal_pool_job
    from engine.edit.proposals import propose as propose_
    from engine.jobs import drive

    start = time.perf_counter()
    drive(proposal_pool_job(paths))  # analyses and facts into the cache (instant when there)
    first = time.perf_counter() - start
    start = time.perf_counter()
    pool = drive(proposal_pool_job(paths))
    cached = time.perf_counter() - start
    from engine.analysis import analysis_job

    analyses = [drive(analysis_job(p)) for p in paths]  # what the app already holds
    start = time.perf_counter()
    drive(proposal_pool_job(paths, analyses=analyses))
    held = time.perf_counter() - start
    print(f"real footage: {len(paths)} files, {len(pool)} shots; pool {first:.2f} s first, "
          f"{cached:.3f} s from the cache, {held:.3f} s with the app's analyses (cut facts from the cache)")
    blind = [dataclasses.replace(s, speech=[]) for s in pool]  # what the JSON round trip left
    for label, shots in (("before", blind), ("after", pool)):
        start = time.perf_counter()
        proposals = propose_(shots, duration, arc)
        took = time.perf_counter() - start
        inside = total = 0
        where = {id(s): n for n, s in enumerate(shots)}
        for p in proposals:
            cuts = [dataclasses.replace(c, shot=pool[where[id(c.shot)]]) for c in p.cuts]
            if label == "before":  # A1 followed V1 cut for cut
                i, t = picture_edits_inside_speech(cuts)
            else:
                i, t = edits_inside_speech(cuts, p.audio, p.rate)
            inside, total = inside + i, total + t
        splits = sum(e.kind in ("L-cut", "J-cut") for p in proposals for e in p.audio_edits)
        print(f"  {label:>6}: propose {took:.3f} s; audio edit points inside speech {inside} of {total} "
              f"({100 * inside / max(total, 1):.0f}%); split edits {splits}")
    print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--arc", default="trailer")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--footage", nargs="*", help="analysed clips (default: the narrated dev sequences)")
    parser.add_argument("--real-duration", type=float, default=20.0, help="proposal length for --footage")
    parser.add_argument("--skip-synthetic", action="store_true")
    args = parser.parse_args()
    if args.footage is None:
        folder = Path(os.environ.get("MOVIOLA_SHARED", "/work/shared")) / "media" / "sequences"
        args.footage = [str(folder / n) for n in NARRATED if (folder / n).is_file()]
    if args.footage:
        real_footage(args.footage, args.real_duration, args.arc)
    if args.skip_synthetic:
        return 0

    propose(footage(50, 1), 10, args.arc)  # warm imports and caches outside the clock
    times = {}
    print(f"3 proposals, {args.duration:.0f} s target, {args.arc} arc, source order, best of {args.repeat}")
    print(f"{'shots':>8} {'seconds':>9} {'cuts':>14} {'arc error':>10}")
    for n in SIZES:
        shots = footage(n)
        best = math.inf
        for _ in range(args.repeat):
            start = time.perf_counter()
            proposals = propose(shots, args.duration, args.arc)
            best = min(best, time.perf_counter() - start)
        times[n] = best
        cuts = "/".join(str(len(p.cuts)) for p in proposals)
        errors = "/".join(f"{p.arc_error:.2f}" for p in proposals)
        print(f"{n:>8,} {best:>9.3f} {cuts:>14} {errors:>10}")
    print()
    print(f"{'growth':>16} {'measured':>9} {'linear':>7} {'n log n':>8}")
    for a, b in zip(SIZES, SIZES[1:], strict=False):
        nlogn = (b * math.log(b)) / (a * math.log(a))
        print(f"{a:>7,}->{b:<7,} {times[b] / times[a]:>8.2f}x {b / a:>6.1f}x {nlogn:>7.1f}x")
    exponent = math.log(times[SIZES[-1]] / times[SIZES[0]]) / math.log(SIZES[-1] / SIZES[0])
    print(f"fitted exponent: time ~ n^{exponent:.2f}")
    ok_time = times[1_000] < TARGET_S
    ok_growth = times[SIZES[-1]] / times[SIZES[-2]] <= (SIZES[-1] * math.log(SIZES[-1])) / (SIZES[-2] * math.log(SIZES[-2]))
    print(f"1,000 shots: {times[1_000]:.3f} s (target < {TARGET_S} s) {'OK' if ok_time else 'MISSED'}; "
          f"growth {'within' if ok_growth else 'above'} n log n")
    return 0 if ok_time and ok_growth else 1


if __name__ == "__main__":
    sys.exit(main())
