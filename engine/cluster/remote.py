"""One file at a time on the cluster, for the app's analysis queue, with local work as fallback.

The queue runs each file's job in the app's worker process; with a cluster address set it runs
`cluster_analysis_job` there instead of `engine.analysis.analysis_job`. That process keeps its
connection to the cluster from one file to the next (a local cluster keeps running until the
process ends). A cluster that cannot be reached is not an error: the file is analysed here,
and a `Placement` says so, for the queue to show.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from engine.analysis import Analysis, analysis_job
from engine.cluster.address import PathMap, parse_address
from engine.cluster.session import ClusterSession, ClusterUnavailable
from engine.jobs import Job, Partial, Progress
from engine.media import MediaError

THIS_MACHINE = "this machine"
_session: ClusterSession | None = None


@dataclass(frozen=True)
class Placement:
    """Where a file runs: a cluster node's host (attempt > 1 after a worker died), or this
    machine with `fallback` saying why the cluster was not used."""

    host: str
    node: str = ""
    attempt: int = 1
    fallback: str | None = None


def cluster_analysis_job(path: str | os.PathLike[str], address: str, path_map: str = "",
                         inline_mb: str = "", **options) -> Job[Analysis]:
    """`analysis_job` for one file on the cluster at `address`; here when it cannot be reached.

    Raises:
        MediaError: the file is unreadable (wherever it ran).
    """
    from engine.cluster.run import FileOutcome, Started, cluster_job

    path = Path(path)
    try:
        _connect(address)
    except (ClusterUnavailable, ValueError) as exc:
        yield Partial(Placement(THIS_MACHINE, fallback=f"{exc} — analysing on {THIS_MACHINE}"))
        return (yield from analysis_job(path, **options))
    job = cluster_job([path], kwargs=options, path_map=PathMap.parse(path_map),
                      inline_limit=int(float(inline_mb or 0) * 1e6))
    try:
        while True:
            event = next(job)
            if isinstance(event, Partial) and isinstance(event.value, Started):
                started = event.value
                yield Partial(Placement(started.host, started.node, started.attempt))
            elif isinstance(event, Partial) and isinstance(event.value, FileOutcome):
                if event.value.cached:
                    yield Partial(Placement(THIS_MACHINE, fallback=None))
            elif isinstance(event, Progress):
                yield event
    except StopIteration as stop:
        (outcome,) = stop.value
    finally:
        job.close()  # a cancelled file is cancelled on the cluster too
    if not outcome.ok:
        raise MediaError(path, outcome.problem or outcome.error.removeprefix(f"{path.name}: "))
    return outcome.result


def _connect(address: str) -> ClusterSession:
    """The worker process's session to `address`, opened on first use and kept."""
    global _session
    wanted = parse_address(address)
    if _session is not None and _session.address != wanted:
        _session.close()
        _session = None
    if _session is None:
        session = ClusterSession(wanted)
        session.__enter__()
        _session = session
    return _session
