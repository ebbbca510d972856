"""The caller's side: send files to the cluster, stream their progress, collect and cache results.

`cluster_job` is an engine job like any other (a generator; closing it cancels): it yields
overall `Progress`, a `Partial(Started)` whenever a worker takes a file (again on a retry) and
a `Partial(FileOutcome)` as each file ends, and returns every outcome in the order given.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.cluster.address import PathMap
from engine.cluster.caches import HitsOnly, Missed
from engine.jobs import Job, Partial, Progress, execute, failure_message

ANALYSIS = "engine.analysis:analysis_job"
DEFAULT_RETRIES = 2  # a worker that dies mid-file: the file is tried this many more times
POLL_S = 0.2
_USER_CACHE = object()


@dataclass(frozen=True)
class Started:
    """A worker took a file (attempt 2 and on: a worker died and Ray retried it)."""

    index: int
    path: Path
    attempt: int
    node: str
    host: str
    pid: int


@dataclass
class FileOutcome:
    """How one file ended: its result, or one line saying what went wrong."""

    path: Path
    result: Any = None
    error: str | None = None
    problem: str | None = None  # the error without the file name, as `MediaError.problem`
    node: str = ""   # Ray node id that ran it ("" when the caller's cache had it)
    host: str = ""   # that node's host name
    attempts: int = 0
    cached: bool = False  # nothing ran: the caller's cache held every result
    seconds: float = 0.0  # the job's own time on the worker (the rest of a task's time is overhead)

    @property
    def ok(self) -> bool:
        return self.error is None


def cluster_job(files: Sequence[str | os.PathLike[str]], target: str = ANALYSIS,
                kwargs: dict[str, Any] | None = None, cache=_USER_CACHE, path_map: PathMap = PathMap(),
                inline_limit: int = 0, retries: int = DEFAULT_RETRIES,
                gpu_share: float = 0.25) -> Job[list[FileOutcome]]:
    """Run `target` (a per-file job, ``"module:function"``) on every file, on the connected cluster.

    Args:
        files: Media files as the caller names them.
        target: The per-file job; it takes the path and a ``cache`` keyword.
        kwargs: More keywords for it.
        cache: The caller's `AnalysisCache`; the user's by default; None: no cache at all
            (every file computed, nothing written).
        path_map: Where workers see the caller's files.
        inline_limit: Files up to this many bytes travel in Ray's object store, for workers
            that cannot see the caller's disks; 0: never.
        retries: How many more times a file is tried after its worker died.
        gpu_share: Fraction of a GPU each task asks for when the cluster has GPUs.

    Call inside a `ClusterSession`.
    """
    import ray

    from engine.cluster.worker import Board, analyse_file

    if cache is _USER_CACHE:
        from engine.cache.store import AnalysisCache

        cache = AnalysisCache()
    kwargs = dict(kwargs or {})
    paths = [Path(f) for f in files]
    outcomes: list[FileOutcome | None] = [None] * len(paths)
    fractions = [0.0] * len(paths)
    gpus = ray.cluster_resources().get("GPU", 0)
    options: dict[str, Any] = {"num_cpus": 1, "max_retries": retries, "retry_exceptions": False}
    if gpus:
        # Ray makes the task's share of a GPU the only one it sees; each stage then picks it
        # (or the CPU, where that node's torch has no CUDA) as it does on a workstation.
        options["num_gpus"] = gpu_share
    else:
        kwargs.setdefault("device", "cpu")
    task = analyse_file.options(**options)
    board = Board.remote()
    pending: dict[Any, int] = {}
    try:
        for index, path in enumerate(paths):
            yield _overall(fractions), f"{path.name}: looking in the cache"
            outcome, hits = _from_cache(target, path, kwargs, cache)
            if outcome is not None:
                fractions[index], outcomes[index] = 1.0, outcome
                yield Partial(outcome)
                continue
            data = None
            if inline_limit and path.stat().st_size <= inline_limit:
                data = ray.put(path.read_bytes())
            ref = task.remote(board, index, target, str(path), path_map.to_worker(path), data, kwargs, hits)
            pending[ref] = index
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=len(pending), timeout=POLL_S)
            for event in ray.get(board.drain.remote()):
                if outcomes[event[1]] is None:  # posts can trail the file's result
                    yield from _report(event, paths, fractions)
            for ref in ready:
                index = pending.pop(ref)
                outcome = _collect(ref, paths[index], target, kwargs, cache)
                # a task that ran was attempted at least once, even if its post is still on its way
                outcome.attempts = max(ray.get(board.attempts.remote()).get(index, 0), 1)
                fractions[index], outcomes[index] = 1.0, outcome
                yield Partial(outcome)
                yield _overall(fractions), f"{paths[index].name}: " + (
                    "done" if outcome.ok else outcome.error)
    finally:
        # Closing the job (cancel, Ctrl+C) stops what still runs; results already collected
        # are in the cache by now and stay there.
        for ref in pending:
            try:
                ray.cancel(ref, force=True)
            except Exception:  # noqa: BLE001,S110 - a task that just ended cannot be cancelled
                pass
        ray.kill(board)
    return outcomes


def _overall(fractions: list[float]) -> float:
    return sum(fractions) / max(len(fractions), 1)


def _report(event: tuple, paths: list[Path], fractions: list[float]):
    if event[0] == "started":
        _, index, attempt, node, host, pid = event
        yield Partial(Started(index, paths[index], attempt, node, host, pid))
        again = f" (attempt {attempt})" if attempt > 1 else ""
        yield Progress(_overall(fractions), f"{paths[index].name}: on {host}{again}")
    else:
        _, index, fraction, message = event
        fractions[index] = min(max(float(fraction), 0.0), 0.99)
        yield Progress(_overall(fractions), message)


def _from_cache(target: str, path: Path, kwargs: dict, cache) -> tuple[FileOutcome | None, dict]:
    """The file's outcome when the caller's cache answers everything (or the file fails to
    open here already); else None and the hits worth shipping to the worker.

    The jobs look the cache up before they decode, so this reads headers and cache rows only.
    """
    if cache is None:
        return None, {}
    cached = HitsOnly(cache)
    try:
        result = execute(target, (path,), {**kwargs, "cache": cached})
    except Missed:
        return None, cached.hits
    except Exception as exc:  # noqa: BLE001 - a file that cannot be opened fails here as it would there
        return FileOutcome(path, error=failure_message(exc), problem=getattr(exc, "problem", None)), {}
    return FileOutcome(path, result, cached=True), {}


def _collect(ref, path: Path, target: str, kwargs: dict, cache) -> FileOutcome:
    import ray

    try:
        payload = ray.get(ref)
    except ray.exceptions.RayError as exc:
        # The worker died on every try (or the task was lost with its node).
        return FileOutcome(path, error=f"{path.name}: {_ray_problem(exc)}", problem=_ray_problem(exc))
    node, host = payload.get("node", ""), payload.get("host", "")
    if "error" in payload:
        return FileOutcome(path, error=payload["error"], problem=payload.get("problem"), node=node, host=host)
    if cache is not None:
        for fingerprint, analyser, version, value in payload["stored"]:
            cache.put(fingerprint, analyser, version, value)
        # Scores are made from cached features with the caller's models (an editor's learned
        # labels live on this machine): re-reading the cache gives exactly a local run's result.
        again, _ = _from_cache(target, path, kwargs, cache)
        if again is not None and again.ok:
            return FileOutcome(path, again.result, node=node, host=host, seconds=payload["seconds"])
    return FileOutcome(path, payload["result"], node=node, host=host, seconds=payload["seconds"])


def _ray_problem(exc: BaseException) -> str:
    import ray

    if isinstance(exc, ray.exceptions.TaskCancelledError):
        return "cancelled"
    if isinstance(exc, (ray.exceptions.WorkerCrashedError, ray.exceptions.NodeDiedError)):
        return "the worker died on every try (the file may crash the decoder)"
    from engine.jobs import one_line

    return one_line(exc)
