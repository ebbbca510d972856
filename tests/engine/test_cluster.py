"""Analysis on a real local Ray cluster of two workers (issue 19): same results as a plain run,
dead workers retried, broken files reported, cancel stops the tasks.

One cluster for the module: starting Ray costs tens of seconds on a busy machine.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import time
from pathlib import Path
from unittest import mock

import pytest

ray = pytest.importorskip("ray", reason="Ray is the [cluster] extra: pip install -e '.[cluster]'")

from engine.cache.store import AnalysisCache  # noqa: E402
from engine.cli import main  # noqa: E402
from engine.cluster.address import PathMap  # noqa: E402
from engine.cluster.run import FileOutcome, Started, cluster_job  # noqa: E402
from engine.cluster.session import ClusterSession  # noqa: E402
from engine.jobs import Partial, run  # noqa: E402

GOOD = ("sources/asl_thanks.mkv", "bad/one_frame.mp4")
BROKEN = "bad/random_bytes.mp4"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    # Workers inherit the environment Ray starts with: the same isolated user folders as the
    # tests' own (conftest's autouse fixture sets them only later, per test).
    root = tmp_path_factory.getbasetemp() / "userdirs"
    with mock.patch.dict(os.environ, {"MOVIOLA_CACHE_DIR": str(root / "cache"),
                                      "MOVIOLA_CONFIG_DIR": str(root / "config")}):
        session = ClusterSession("local:2").__enter__()
    with session:
        yield session


@pytest.fixture(scope="module")
def plain(media, tmp_path_factory):
    """`moviola-cli analyze --json` without a cluster, on a cache of its own: file → document."""
    files = [str(media / name) for name in (*GOOD, BROKEN)]
    out = io.StringIO()
    cache = tmp_path_factory.mktemp("plain-cache")
    with mock.patch.dict(os.environ, {"MOVIOLA_CACHE_DIR": str(cache)}), \
            contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(["analyze", "--json", *files])
    assert code == 1  # the broken file
    return {doc["file"]: doc for doc in json.loads(out.getvalue())}


def test_cli_on_the_cluster_gives_a_plain_runs_results(cluster, plain, media, capsys):
    files = [str(media / name) for name in (*GOOD, BROKEN)]
    code = main(["analyze", "--json", "--ray", "local:2", *files])
    captured = capsys.readouterr()
    assert code == 1
    assert "local Ray cluster: 2 workers on 1 node" in captured.err
    assert "random_bytes.mp4: not a recognised media container" in captured.err
    documents = json.loads(captured.out)
    assert [doc["file"] for doc in documents] == files  # same order as given
    assert [_differences(doc, plain[name]) for doc, name in zip(documents, files)] == [[], [], []]
    assert len(documents[0]["shots"]) >= 1

    # Written into this machine's cache under the files' fingerprints: nothing runs again.
    again = run(cluster_job(files))
    assert [o.cached for o in again] == [True, True, False]
    assert again[2].error == "random_bytes.mp4: not a recognised media container"


def _drive(job, on_event):
    """Run `job`, handing each event to `on_event`; return the job's result."""
    try:
        while True:
            on_event(next(job))
    except StopIteration as stop:
        return stop.value


def test_a_dead_worker_is_retried_and_a_file_that_kills_every_worker_is_reported(cluster, plain, media,
                                                                                   tmp_path):
    # Both take seconds on a worker (models load, then 50-110 frames), so a kill sent when the
    # caller hears of a start lands mid-file even on a busy machine.
    doomed, survivor = media / "sources/asl_book.mkv", media / GOOD[0]
    kills = []

    def kill_workers(event):
        if isinstance(event, Partial) and isinstance(event.value, Started):
            started = event.value
            if started.path == doomed or started.attempt == 1:
                kills.append((started.path.name, started.attempt))
                os.kill(started.pid, signal.SIGKILL)

    # Workers "cannot see" the files (mapped to a folder that does not exist): bytes travel
    # through the object store instead.
    job = cluster_job([doomed, survivor], cache=AnalysisCache(tmp_path / "cache.sqlite"), retries=1,
                      path_map=PathMap(str(media), "/nonexistent/media"), inline_limit=10_000_000)
    lost, saved = _drive(job, kill_workers)
    assert sorted(kills) == [("asl_book.mkv", 1), ("asl_book.mkv", 2), ("asl_thanks.mkv", 1)], (lost, saved)
    assert not lost.ok and lost.attempts == 2
    assert lost.error == "asl_book.mkv: the worker died on every try (the file may crash the decoder)"
    assert saved.ok and saved.attempts == 2 and saved.host
    assert saved.result.path == survivor  # the caller's name for it, not the worker's copy
    assert _differences(saved.result.emotion.to_json(str(survivor)), plain[str(survivor)]) == []


def _same(a, b) -> bool:
    """Equal, numbers up to their last printed digit: a worker's torch runs on one thread, the
    plain run's on several, and a sum in another order can flip the 4th or 5th decimal."""
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, (int, float)) and isinstance(b, (int, float)) and abs(a - b) <= 2e-4
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def _differences(got: dict, expected: dict) -> list[str]:
    """Where two `analyze --json` documents differ, field by field (empty: equal)."""
    found = [f"{key}: {got.get(key)!r} != {value!r}" for key, value in expected.items()
             if key != "shots" and not _same(got.get(key), value)]
    if "shots" not in expected:  # a file reported as broken
        return found if got.keys() == expected.keys() else [*found, f"fields {sorted(got)}"]
    if len(got["shots"]) != len(expected["shots"]):
        return [*found, f"{len(got['shots'])} shots != {len(expected['shots'])}"]
    for i, (a, b) in enumerate(zip(got["shots"], expected["shots"])):
        found += [f"shot {i} {key}: {a.get(key)!r} != {value!r}" for key, value in b.items()
                  if not _same(a.get(key), value)]
    return found


def test_cancel_stops_running_tasks_and_keeps_what_finished(cluster, media, tmp_path):
    quick, long = media / GOOD[1], media / "sequences/seq00_24fps.mp4"
    cache = AnalysisCache(tmp_path / "cache.sqlite")
    job = cluster_job([quick, long], cache=cache)
    running, finished = {}, []
    deadline = time.monotonic() + 120
    for event in job:
        if isinstance(event, Partial) and isinstance(event.value, Started):
            running[event.value.path] = event.value.pid
        if isinstance(event, Partial) and isinstance(event.value, FileOutcome):
            finished.append(event.value.path)
        if finished == [quick] and long in running:
            break
        assert time.monotonic() < deadline, "the quick file never finished"
    job.close()  # what the desktop's cancel and Ctrl+C do
    pid = running[long]
    for _ in range(100):
        if not _alive(pid):
            break
        time.sleep(0.1)
    assert not _alive(pid), "the long file's worker still runs after cancel"
    kept = run(cluster_job([quick], cache=cache))
    assert kept[0].cached and kept[0].ok


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")
