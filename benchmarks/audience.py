"""Audience model: time to learn one target from 100 analysed videos, against the ridge baseline.

Run: ``.venv/bin/python benchmarks/audience.py [--videos 100] [--repeat 3] [--footage FILE ...]``.

The feature rows are real where they can be and synthesised where they must: real clips from
``../shared/media`` (by default the six ASL clips, Caminandes and Tears of Steel) are analysed
(the first run fills the analysis cache; later runs read it) and measured by
``engine.audience.features``; the 100 rows are those real rows repeated with each feature
jittered (±15 %, NaNs kept), and the target is a known function of two features plus noise.
So the figure is the learner's cost on rows with real value ranges and missing values, not the
cost of analysing 100 videos (printed separately, per real video, from the cache).

Printed: reading a cached analysis and measuring its features (per video); ``learn`` as the
learn command runs it (repeated 5-fold cross-validation of LightGBM, the ridge and the median,
then the final fit), best of ``--repeat``; and, measured in the same run, the ridge baseline
alone (one fit) and one LightGBM fit, with the cross-validated skill the learn run found.
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.audience.features import FEATURE_NAMES, matrix, measure  # noqa: E402
from engine.audience.model import fit_lightgbm, fit_linear, learn  # noqa: E402
from engine.audience.pieces import AnalysedSources, file_video_job  # noqa: E402
from engine.jobs import run  # noqa: E402

SHARED = Path(os.environ.get("MOVIOLA_SHARED", Path(__file__).resolve().parents[2] / "shared"))
DEFAULT = [SHARED / "media" / "sources" / n for n in (
    "asl_again.mkv", "asl_book.mkv", "asl_help.mkv", "asl_please.mkv", "asl_thanks.mkv", "asl_yes.mkv",
    "caminandes_llama_drama.mp4", "tears_of_steel_0500.mp4")]


def best_of(repeat: int, fn):
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--footage", nargs="*", type=Path, default=DEFAULT)
    args = parser.parse_args()

    sources = AnalysedSources(transcripts=False)
    t = time.perf_counter()
    for path in args.footage:  # fills the cache on a first run
        run(sources.analysis_job(path))
    analyse_s = time.perf_counter() - t
    real = []
    cached = AnalysedSources(transcripts=False)  # a fresh one: every analysis read back from the cache
    t = time.perf_counter()
    for path in args.footage:
        real.append(measure(run(file_video_job(path, cached))))
    per_video_s = (time.perf_counter() - t) / len(args.footage)

    rng = np.random.default_rng(0)
    base = matrix(real)
    X = base[rng.integers(len(base), size=args.videos)] * rng.uniform(0.85, 1.15, (args.videos, len(FEATURE_NAMES)))
    j_len, j_face = FEATURE_NAMES.index("length_s"), FEATURE_NAMES.index("faces_early")
    y = 50 - 2.0 * X[:, j_len] + 8.0 * X[:, j_face] + rng.normal(0, 1.0, args.videos)

    learn_s, model = best_of(args.repeat, lambda: learn(X, y, "average_percentage_viewed"))
    ridge_s, _ = best_of(args.repeat, lambda: fit_linear(X, y))
    lgb_s, _ = best_of(args.repeat, lambda: fit_lightgbm(X, y))
    cv = model.cv
    print(f"real analysed clips: {len(args.footage)} (analysis or cache read {analyse_s:.1f} s in all); "
          f"features from a cached analysis: {per_video_s * 1000:.0f} ms per video")
    print(f"rows: {args.videos} (real rows repeated with ±15 % jitter), {len(FEATURE_NAMES)} features, "
          f"best of {args.repeat}")
    print(f"{'learn (3x5-fold CV of LightGBM + ridge + median, final fit)':62s} {learn_s:8.3f} s")
    print(f"{'baseline: ridge fit alone':62s} {ridge_s:8.3f} s   ({learn_s / ridge_s:.0f}x)")
    print(f"{'one LightGBM fit':62s} {lgb_s:8.3f} s")
    print(f"{'learn from 100 videos incl. features from the cache':62s} "
          f"{learn_s + per_video_s * args.videos:8.3f} s")
    print(f"skill found: {model.skill} ({cv.model}; Spearman {cv.spearman:.2f}, MAE {cv.mae:.2f} vs "
          f"{cv.baseline_mae:.2f} for the median; drivers: "
          + ", ".join(d["feature"] for d in model.drivers[:3]) + ")")
    return 0


if __name__ == "__main__":
    sys.exit(main())
