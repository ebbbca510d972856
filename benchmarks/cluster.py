"""Analysis on a local Ray cluster against a plain run, on the same files in one run.

Run: ``.venv/bin/python benchmarks/cluster.py [--media DIR] [--files F ...] [--workers 1 2]``.
It prints, for the same short dev files (default: the five ASL clips in media/sources):

- the plain run: ``moviola-cli analyze --no-cache --json FILES`` in a fresh process, model
  loading included, as an editor runs it on one workstation;
- for each worker count N: the same command with ``--ray local:N`` (cluster start and stop
  included), then, on one cluster started in-process, a cold pass (each worker loads its
  models) and a warm pass, each timed from the first task sent to the last result cached;
- files per minute for each, and the overhead per task: the task's wall time less the job's
  own time on the worker (dispatch, progress, moving the result and cache rows home,
  writing them into the cache, scoring from it), measured on the warm pass with one worker,
  where tasks run one after another.

``--hd SECONDS`` measures instead what ``docs/scale.md`` scales up: analysis seconds per
minute of 1080p footage (a dev sequence scaled to 1920x1080), in-process and on one worker.
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
CLI = [str(REPO / ".venv" / "bin" / "moviola-cli")]


def cli_seconds(files: list[str], extra: list[str]) -> float:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "MOVIOLA_CACHE_DIR": tempfile.mkdtemp(prefix="bench-cache-")}
    began = time.perf_counter()
    done = subprocess.run([*CLI, "analyze", "--no-cache", "--json", *extra, *files], env=env,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"moviola-cli failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds


def passes(files: list[str], workers: int) -> tuple[float, float, float, float]:
    """Cluster start, cold pass and warm pass in seconds, and the warm pass's overhead per task."""
    from engine.cache.store import AnalysisCache
    from engine.cluster.run import cluster_job
    from engine.cluster.session import ClusterSession
    from engine.jobs import run

    began = time.perf_counter()
    with ClusterSession(f"local:{workers}"):
        start = time.perf_counter() - began
        timings, overhead = [], 0.0
        for _ in ("cold", "warm"):
            cache = AnalysisCache(Path(tempfile.mkdtemp(prefix="bench-cache-")) / "analysis.sqlite")
            began = time.perf_counter()
            outcomes = run(cluster_job(files, cache=cache))
            wall = time.perf_counter() - began
            failed = [o.error for o in outcomes if not o.ok]
            if failed:
                raise SystemExit(f"cluster run failed: {failed}")
            timings.append(wall)
            overhead = (wall - sum(o.seconds for o in outcomes)) / len(files)
    return start, timings[0], timings[1], overhead


def hd_cost(media: Path, seconds: float) -> None:
    """Seconds of analysis per minute of 1080p footage: plain (in this process, models warm)
    and as one warm task on a one-worker cluster (its own time and the task's wall time)."""
    from engine.analysis import analysis_job
    from engine.cluster.run import cluster_job
    from engine.cluster.session import ClusterSession
    from engine.jobs import drive, run

    source = media / "sequences" / "seq00_24fps.mp4"
    clip = Path(tempfile.mkdtemp(prefix="bench-hd-")) / "seq00_1080p.mp4"
    # Our dev footage is 720p: scaled up and re-encoded so the decoder does 1080p's real work.
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(source), "-t", str(seconds), "-vf", "scale=1920:1080",
                    "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-c:a", "copy", str(clip)],
                   check=True)
    warmup = str(media / "bad" / "one_frame.mp4")
    drive(analysis_job(warmup, cache=None))
    began = time.perf_counter()
    drive(analysis_job(clip, cache=None))
    plain = time.perf_counter() - began
    per_minute = 60 / seconds
    print(f"1080p H.264, {seconds:.0f} s of footage, {os.cpu_count()} cores (load {os.getloadavg()[0]:.1f})")
    print(f"{'plain, in-process, models warm':<44} {plain * per_minute:7.1f} s per minute of footage")
    with ClusterSession("local:1"):
        run(cluster_job([warmup], cache=None))
        began = time.perf_counter()
        (outcome,) = run(cluster_job([clip], cache=None))
        wall = time.perf_counter() - began
    print(f"{'one warm cluster task: the job on 1 CPU':<44} {outcome.seconds * per_minute:7.1f} s per minute of footage")
    print(f"{'one warm cluster task: wall':<44} {wall * per_minute:7.1f} s per minute of footage "
          f"(overhead {wall - outcome.seconds:.2f} s per task)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--media", default=str(REPO.parent / "shared" / "media"))
    parser.add_argument("--files", nargs="*", help="default: media/sources/asl_*.mkv")
    parser.add_argument("--workers", nargs="*", type=int, default=[1, 2])
    parser.add_argument("--hd", type=float, metavar="SECONDS",
                        help="instead: the cost of SECONDS of 1080p footage, plain and on one worker")
    args = parser.parse_args()
    if args.hd:
        return hd_cost(Path(args.media), args.hd)
    files = args.files or sorted(str(p) for p in (Path(args.media) / "sources").glob("asl_*.mkv"))
    if not files:
        raise SystemExit(f"no files: {args.media}/sources/asl_*.mkv not found")
    n = len(files)
    print(f"{n} files, {sum(Path(f).stat().st_size for f in files) / 1e6:.1f} MB, "
          f"on {os.cpu_count()} cores (load {os.getloadavg()[0]:.1f})")

    def per_minute(seconds: float) -> str:
        return f"{n / seconds * 60:6.1f} files/min ({seconds:6.1f} s)"

    plain = cli_seconds(files, [])
    print(f"{'plain run (moviola-cli analyze)':<44} {per_minute(plain)}  baseline")
    for workers in args.workers:
        whole = cli_seconds(files, ["--ray", f"local:{workers}"])
        print(f"{f'analyze --ray local:{workers} (start..stop)':<44} {per_minute(whole)}  "
              f"{plain / whole:4.2f}x plain")
        start, cold, warm, overhead = passes(files, workers)
        print(f"{f'  {workers} worker(s): cluster start':<44} {start:6.1f} s")
        print(f"{f'  {workers} worker(s): cold pass (models load)':<44} {per_minute(cold)}  {plain / cold:4.2f}x plain")
        print(f"{f'  {workers} worker(s): warm pass':<44} {per_minute(warm)}  {plain / warm:4.2f}x plain")
        if workers == 1:
            print(f"{'  overhead per task (warm, 1 worker)':<44} {overhead:6.2f} s")


if __name__ == "__main__":
    main()
