"""Shot detection on the shared dev sequences: ours vs PySceneDetect vs plain TransNetV2.

Run: ``.venv/bin/python benchmarks/shots.py [--media DIR] [--threads N]``. Prints, per
sequence and overall, cut and gradual-transition precision/recall/F1 (cuts match within
2 frames, gradual transitions when spans overlap; greedy one-to-one), type accuracy and
end-to-end frames per second (decode included), beside plain 48x27 decoding and the
plain TransNetV2 pipeline (every frame decoded, the package's model as it comes:
windows of 100, step 50), all in the same run on the same files and threads.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from engine.media import FrameReader  # noqa: E402
from engine.shots import detect_shots  # noqa: E402
from engine.shots.boundaries import find_transitions  # noqa: E402
from engine.shots.evaluate import Score, evaluate  # noqa: E402
from engine.shots.network import INPUT_SIZE, _build_model, shared_network  # noqa: E402
from engine.shots.scoring import thumbnails  # noqa: E402

DETECTORS = ("decode", "transnetv2", "ours", "content", "adaptive")
#: Also selectable: our pipeline with the package's (unfused) network, to isolate the fusion.
EXTRA = ("ours-ref",)


def decode(path: Path) -> np.ndarray:
    with FrameReader(path, size=INPUT_SIZE) as reader:
        return np.stack([f.image for f in reader.frames()])


def run_plain(path: Path, model) -> list:
    import torch

    frames = decode(path)
    with torch.no_grad():
        single, many = model.predict_frames(torch.from_numpy(frames), quiet=True)
    # Our decision rules on its scores, so that any F1 difference is the pipeline's.
    luma = frames.mean(axis=(1, 2, 3), dtype=np.float32)
    return find_transitions(single.numpy(), many.numpy(), luma, thumbnails(frames))


def run_ours_reference(path: Path) -> list:
    """Our pipeline, but with the package's own network in place of the fused one."""
    network = shared_network("cpu")
    fused, network._model = network._model, network.reference
    try:
        return detect_shots(path, cache=None, device="cpu").transitions
    finally:
        network._model = fused


def run_scenedetect(path: Path, kind: str) -> list:
    from scenedetect import AdaptiveDetector, ContentDetector, detect

    detector = ContentDetector() if kind == "content" else AdaptiveDetector()
    scenes = detect(str(path), detector)
    return [("cut", start.frame_num, start.frame_num) for start, _ in scenes[1:]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--media", type=Path, default=REPO.parent / "shared" / "media")
    parser.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    parser.add_argument("--only", nargs="*", default=list(DETECTORS), choices=DETECTORS + EXTRA)
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    sequences = sorted((args.media / "sequences").glob("*.mp4"))
    shared_network("cpu")  # load once, outside the timings
    plain_model = _build_model("cpu")
    runners = {
        "decode": lambda p: (decode(p), None)[1],
        "transnetv2": lambda p: run_plain(p, plain_model),
        "ours": lambda p: detect_shots(p, cache=None, device="cpu").transitions,
        "ours-ref": lambda p: run_ours_reference(p),
        "content": lambda p: run_scenedetect(p, "content"),
        "adaptive": lambda p: run_scenedetect(p, "adaptive"),
    }
    totals = {name: [Score(), 0, 0.0, 0.0] for name in args.only}
    header = f"{'sequence':16} {'detector':10} {'cut P':>6} {'cut R':>6} {'cut F1':>6} " \
             f"{'grd P':>6} {'grd R':>6} {'grd F1':>6} {'type':>5} {'fps':>6} {'cpu ms/f':>8}"
    found_by: dict[str, list] = {name: [] for name in args.only}
    print(f"torch threads {args.threads}; {len(sequences)} sequences\n{header}")
    for path in sequences:
        truth = json.loads(path.with_suffix(".json").read_text())["transitions"]
        frames = json.loads(path.with_suffix(".json").read_text())["frame_count"]
        for name in args.only:
            start, cpu = time.perf_counter(), time.process_time()
            found = runners[name](path)
            found_by[name].append(found)
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            score = evaluate(truth, found) if found is not None else None
            total = totals[name]
            total[1] += frames
            total[2] += seconds
            total[3] += cpu
            if score is not None:
                total[0] = total[0] + score
            print(_row(path.stem, name, score, frames / seconds, cpu / frames), flush=True)
    print(header)
    for name, (score, frames, seconds, cpu) in totals.items():
        print(_row("OVERALL", name, score if name != "decode" else None, frames / seconds, cpu / frames))
    if "ours" in totals and "transnetv2" in totals:
        ours, plain = totals["ours"], totals["transnetv2"]
        print(f"\n==> ours vs plain TransNetV2: {plain[2] / ours[2]:.2f}x faster in wall time, "
              f"{plain[3] / ours[3]:.2f}x in CPU time (target >= 2x)")
    if "ours" in totals and "ours-ref" in totals:
        same = sum(_same(a, b) for a, b in zip(found_by["ours"], found_by["ours-ref"]))
        print(f"==> ours and ours-ref detect the same transitions on {same} of {len(sequences)} sequences")
        ours, ref = totals["ours"], totals["ours-ref"]
        print(f"==> fused vs package network in our pipeline: {ref[2] / ours[2]:.2f}x wall, "
              f"{ref[3] / ours[3]:.2f}x CPU")


def _same(a: list, b: list) -> bool:
    """Whether two detectors found the same typed transitions with the same spans."""
    return [tuple(t) for t in a] == [tuple(t) for t in b]


def _row(seq: str, name: str, s: Score | None, fps: float, cpu: float) -> str:
    speed = f"{fps:6.0f} {cpu * 1000:8.2f}"
    if s is None:
        return f"{seq:16} {name:10} {'':>6} {'':>6} {'':>6} {'':>6} {'':>6} {'':>6} {'':>5} {speed}"
    typed = f"{s.type_accuracy:5.2f}" if name in ("ours", "ours-ref", "transnetv2") else f"{'-':>5}"
    return (f"{seq:16} {name:10} {s.cuts.precision:6.3f} {s.cuts.recall:6.3f} {s.cuts.f1:6.3f} "
            f"{s.gradual.precision:6.3f} {s.gradual.recall:6.3f} {s.gradual.f1:6.3f} {typed} {speed}")


if __name__ == "__main__":
    main()
