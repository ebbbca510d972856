"""Shot detection on the shared dev sequences: plain decode vs the CLI before and after the cascade.

Run: ``.venv/bin/python benchmarks/shots.py [--media DIR] [--threads N] [--only seq00 ...]
[--before REV] [--no-sweep]``. In one run, on the same files and threads, it prints:

- plain decode speed: PyAV with threads on, every frame, no conversion (``raw``), and
  decoded to the network's 48x27 RGB (``48x27``);
- ``moviola-cli shots --no-cache --json`` over all the sequences in one process, process
  start included, for the code at ``--before`` (unpacked with ``git archive``) and for
  this checkout: frames per second, the ratio to plain decode (target >= 0.4x raw),
  F1 and type accuracy against the truth files (cuts match within 2 frames, gradual
  transitions when spans overlap; greedy one-to-one);
- in-process, the cascade with the int8 network (what the CLI runs on CPU) and with the
  float one, against the float network on every frame (the reference): speed, frames the
  network saw, F1, whether they give the reference's transitions on every sequence, and
  the largest difference in the network's probabilities;
- the cheap stage's sweep: for each threshold setting, the share of the full network's
  transitions (and of the frames where it fires) that the candidates cover, and the
  share of frames that are candidates. Recall must be 1.000 for the setting in use.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from engine.media import FrameReader  # noqa: E402
from engine.shots import prepass  # noqa: E402
from engine.shots.evaluate import Score, evaluate, largest_end_shift, same_transitions  # noqa: E402
from engine.shots.network import INPUT_SIZE  # noqa: E402

#: The commit before the cascade (issue #18): the "before" column.
BEFORE = "6bc43d2"


def decode_raw(path: Path) -> int:
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        return sum(1 for _ in container.decode(stream))


def decode_small(path: Path) -> np.ndarray:
    with FrameReader(path, size=INPUT_SIZE) as reader:
        return np.stack([f.image for f in reader.frames()])


def run_cli(root: Path, files: list[Path], threads: int) -> tuple[float, float, list[dict]]:
    """Wall and CPU seconds of one ``moviola-cli shots`` process over ``files``, and its documents.

    CPU seconds are the steadier figure on a shared machine whose load changes mid-run.
    """
    import resource

    env = dict(os.environ, PYTHONPATH=str(root), HF_HUB_OFFLINE="1", OMP_NUM_THREADS=str(threads))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "engine.cli", "shots", "--no-cache", "--json", *map(str, files)],
                         cwd=root, env=env, capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    docs = json.loads(out.stdout)
    return seconds, cpu, docs if isinstance(docs, list) else [docs]


def checkout(rev: str, into: Path) -> Path:
    """The ``engine`` package at ``rev``, unpacked under ``into``."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", rev, "engine"], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def overall(score: Score) -> float:
    """F1 over cuts and gradual transitions together."""
    return (score.cuts + score.gradual).f1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--media", type=Path, default=REPO.parent / "shared" / "media")
    parser.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    parser.add_argument("--only", nargs="*", default=None, help="sequence name prefixes, e.g. seq00 seq03")
    parser.add_argument("--before", default=BEFORE, help="git revision for the 'before' column")
    parser.add_argument("--no-sweep", action="store_true", help="skip the in-process comparison and sweep")
    args = parser.parse_args()

    import torch

    from engine.shots.detector import default_plan
    from engine.shots.network import shared_network

    torch.set_num_threads(args.threads)
    sequences = sorted((args.media / "sequences").glob("*.mp4"))
    if args.only:
        sequences = [p for p in sequences if any(p.name.startswith(o) for o in args.only)]
    truths = {p: json.loads(p.with_suffix(".json").read_text()) for p in sequences}
    n = sum(t["frame_count"] for t in truths.values())
    network = shared_network("cpu")
    print(f"device {network.device} ({getattr(network, 'precision', 'float')}); torch threads {args.threads}; {len(sequences)} sequences, {n} frames")

    t, c = time.perf_counter(), time.process_time()
    assert sum(decode_raw(p) for p in sequences) == n
    raw, raw_cpu = time.perf_counter() - t, time.process_time() - c
    t = time.perf_counter()
    small = {p: decode_small(p) for p in sequences}
    dec48 = time.perf_counter() - t
    print(f"plain decode: raw {n / raw:.0f} fps ({raw_cpu * 1000 / n:.2f} ms CPU a frame), "
          f"to 48x27 {n / dec48:.0f} fps")

    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, root in (("before", checkout(args.before, Path(tmp))), ("after", REPO)):
            seconds, cpu, docs = run_cli(root, sequences, args.threads)
            score = Score()
            for p, doc in zip(sequences, docs):
                score = score + evaluate(truths[p]["transitions"], doc["transitions"])
            rows[label] = (seconds, cpu, score)
    print(f"\n{'CLI shots (process start included)':36} {'fps':>6} {'/raw':>6} {'/48x27':>7} {'CPU/raw':>7} "
          f"{'F1':>6} {'cut F1':>6} {'grd F1':>6} {'type':>6}")
    for label, (seconds, cpu, score) in rows.items():
        print(f"{label + ' (' + (args.before if label == 'before' else 'this checkout') + ')':36} "
              f"{n / seconds:6.1f} {raw / seconds:5.2f}x {dec48 / seconds:6.2f}x {raw_cpu / cpu:6.2f}x "
              f"{overall(score):6.3f} {score.cuts.f1:6.3f} {score.gradual.f1:6.3f} {score.type_accuracy:6.3f}")
    after, after_cpu = rows["after"][0], rows["after"][1]
    print(f"==> shot detection {raw / after:.2f}x plain decode in wall time, {raw_cpu / after_cpu:.2f}x in CPU "
          f"time (target >= 0.40x); {rows['before'][0] / after:.2f}x faster than before in wall time, "
          f"{rows['before'][1] / after_cpu:.2f}x in CPU time")
    if args.no_sweep:
        return

    from engine.shots.onnxnet import INT8_TOLERANCE, OnnxNetwork

    cascade_plan = default_plan("cpu")
    full_plan = replace(cascade_plan, gate=False)
    float_network = OnnxNetwork("cpu", args.threads, precision="float")
    runs = {}  # label -> (seconds, network frames, results per sequence)
    for label, plan, net in (("cascade, int8 (the CLI)", cascade_plan, network),
                             ("cascade, float", cascade_plan, float_network),
                             ("full network, float (the reference)", full_plan, float_network)):
        start, frames_seen, results = time.perf_counter(), 0, []
        for p in sequences:
            result, seen = _detect(small[p], plan, net)
            results.append(result)
            frames_seen += seen
        runs[label] = (time.perf_counter() - start, frames_seen, results)
    print(f"\nin-process, frames already decoded ({network.precision} is the CLI's network):")
    reference = runs["full network, float (the reference)"][2]
    for label, (seconds, seen, results) in runs.items():
        score = Score()
        for p, r in zip(sequences, results):
            score = score + evaluate(truths[p]["transitions"], r.transitions)
        print(f"  {label:38} {n / seconds:5.0f} fps, network saw {seen / n:.2f} frames a frame, F1 "
              f"{overall(score):.3f}, type {score.type_accuracy:.3f}; against the reference: "
              f"{_agreement(results, reference)}")
    int8, float_ = runs["cascade, int8 (the CLI)"][2], runs["cascade, float"][2]
    diff = max(float(max(np.abs(a.single - b.single).max(), np.abs(a.many - b.many).max()))
               for a, b in zip(int8, float_))
    print(f"==> int8 against float, the same windows: {_agreement(int8, float_)}; largest probability "
          f"difference {diff:.4f} (stated tolerance {INT8_TOLERANCE})")
    _sweep(sequences, small, dict(zip(sequences, reference)), cascade_plan.cheap)


def _agreement(results, reference) -> str:
    """How two detections of the same sequences agree (see ``same_transitions``)."""
    close = [same_transitions(r.transitions, f.transitions) for r, f in zip(results, reference)]
    same = sum(r.transitions == f.transitions for r, f in zip(results, reference))
    shift = max((largest_end_shift(r.transitions, f.transitions)
                 for r, f, c in zip(results, reference, close) if c), default=0)
    return (f"same transitions on {sum(close)}/{len(close)} sequences (gradual ends move <= {shift} frames), "
            f"frame for frame on {same}")


def _detect(frames: np.ndarray, plan, network):
    from engine.shots.detector import _result
    from engine.shots.scoring import FrameScorer

    scorer = FrameScorer(network, plan)
    for a in range(0, len(frames), 64):
        scorer.push(frames[a:a + 64])
    return _result(scorer, 24, [], _thresholds()), scorer.network_frames


def _thresholds():
    from engine.shots.boundaries import Thresholds

    return Thresholds()


def _sweep(sequences, small, full, in_use: prepass.CheapThresholds) -> None:
    """Recall of the cheap stage alone against what the full network fires on."""
    th = _thresholds()
    measures = {p: prepass.measure(small[p], small[p][:0]) for p in sequences}
    fires = {p: (full[p].single > th.cut) | (full[p].many > th.span) for p in sequences}
    settings = []
    for scale in (0.5, 1.0, 1.5, 2.0, 3.0):
        for pad in sorted({1, 2, 3, in_use.pad}):
            settings.append(replace(in_use, pixel=in_use.pixel * scale, histogram=in_use.histogram * scale, pad=pad))
    settings.append(replace(in_use, histogram=9.0, dark=-1.0))  # pixel difference alone
    settings.append(replace(in_use, pixel=999.0, dark=-1.0))  # histogram difference alone
    print(f"\ncheap stage sweep ({sum(len(full[p].transitions) for p in sequences)} network transitions, "
          f"{sum(int(f.sum()) for f in fires.values())} frames where it fires)")
    print(f"{'pixel':>6} {'hist':>5} {'dark':>5} {'pad':>3}  {'transition recall':>17} "
          f"{'frame recall':>12} {'candidates':>10}")
    for s in settings:
        hit = total = fired = covered = cand = frames = 0
        for p in sequences:
            mask = prepass.widen(prepass.triggers(measures[p], s), s.pad)
            for t in full[p].transitions:
                # A cut needs the frame before it (the single head fires there) and itself.
                first = t.start_frame - 1 if t.type == "cut" else t.start_frame
                hit += bool(mask[max(first, 0):t.end_frame + 1].all())
                total += 1
            fired += int(fires[p].sum())
            covered += int((fires[p] & mask).sum())
            cand += int(mask.sum())
            frames += len(mask)
        mark = "  <- in use" if s == in_use else ""
        print(f"{s.pixel:6.2f} {s.histogram:5.2f} {s.dark:5.0f} {s.pad:3d}  "
              f"{hit / max(total, 1):17.3f} {covered / max(fired, 1):12.3f} {cand / frames:10.3f}{mark}")


if __name__ == "__main__":
    main()
