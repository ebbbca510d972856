"""What runs on a cluster worker: one file through the same job a local run uses.

Imported by Ray on every worker (and by the caller, which defines the tasks from here), so it
imports Ray at the top; nothing else in the engine imports this module until a cluster is used.
"""
from __future__ import annotations

import os
import shutil
import socket
import tempfile
import time
from pathlib import Path
from typing import Any

import ray

from engine.cluster.caches import Shipped
from engine.cluster.relocate import relocate
from engine.jobs import Progress, execute, failure_message

PROGRESS_INTERVAL_S = 0.25  # a worker reports at most this often: each report is a remote call


@ray.remote(num_cpus=0)
class Board:
    """Where workers post what they are doing and the caller collects it.

    One per run. Workers post without waiting for an answer (one worker's posts arrive in
    order); the board numbers each file's attempts; the caller drains the posts a few times
    a second.
    """

    def __init__(self) -> None:
        self._events: list[tuple] = []
        self._attempts: dict[int, int] = {}

    def started(self, index: int, node: str, host: str, pid: int) -> int:
        attempt = self._attempts.get(index, 0) + 1
        self._attempts[index] = attempt
        self._events.append(("started", index, attempt, node, host, pid))
        return attempt

    def progress(self, index: int, fraction: float, message: str) -> None:
        self._events.append(("progress", index, fraction, message))

    def drain(self) -> list[tuple]:
        events, self._events = self._events, []
        return events

    def attempts(self) -> dict[int, int]:
        return dict(self._attempts)


@ray.remote
def analyse_file(board, index: int, target: str, caller_path: str, worker_path: str,
                 data: bytes | None, kwargs: dict[str, Any], hits: dict) -> dict[str, Any]:
    """Run `target` on one file; return its result and what it cached, as plain data.

    `data` is the file's bytes when the caller put them in the object store (Ray hands them
    over resolved); the worker then works on a copy in its temp folder. A job's own error (a
    broken file) comes back as data: it would fail the same way on every worker, so it is
    not retried. Only a worker that dies is retried, by Ray, on whichever worker is free.
    """
    context = ray.get_runtime_context()
    node, host = context.get_node_id(), socket.gethostname()
    # Not waited for: a task blocked in ray.get lends its CPU to the next task, and two
    # analyses would then share one CPU slot.
    board.started.remote(index, node, host, os.getpid())
    scratch = None
    try:
        if data is not None:
            scratch = tempfile.mkdtemp(prefix="moviola-cluster-")
            path = Path(scratch) / Path(caller_path).name
            path.write_bytes(data)
        else:
            path = Path(worker_path)
            if not path.exists():
                return {"error": f"{Path(caller_path).name}: not found on worker {host} as {worker_path} "
                                 "(set the cluster path mapping, or send files by bytes)",
                        "problem": f"not found on worker {host} as {worker_path}", "node": node, "host": host}
        cache = Shipped(hits)
        last = [0.0]

        def emit(event) -> None:
            now = time.monotonic()
            if isinstance(event, Progress) and now - last[0] >= PROGRESS_INTERVAL_S:
                last[0] = now
                board.progress.remote(index, event.fraction, event.message)

        began = time.perf_counter()
        try:
            result = execute(target, (path,), {**kwargs, "cache": cache}, emit)
        except Exception as exc:  # noqa: BLE001 - every failure goes home as one line
            return {"error": failure_message(exc), "problem": getattr(exc, "problem", None),
                    "node": node, "host": host}
        here = str(path)
        return {"result": relocate(result, here, caller_path),
                "stored": relocate(cache.stored, here, caller_path), "node": node, "host": host,
                "seconds": time.perf_counter() - began}
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
