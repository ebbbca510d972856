"""Several threads and processes sharing one analysis cache file."""
from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np

from engine.cache.store import AnalysisCache

REPO = Path(__file__).resolve().parents[2]


def test_threads_share_one_cache(tmp_path):
    cache = AnalysisCache(tmp_path / "analysis.sqlite")
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for i in range(60):
                cache.put(f"fp{worker}-{i}", "shots", 1, {"w": worker, "a": np.full(100, i)})
                got = cache.get(f"fp{worker}-{i}", "shots", 1)
                assert got["w"] == worker and got["a"][0] == i
        except BaseException as exc:  # surfaced in the main thread below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for worker in range(6):
        assert cache.get(f"fp{worker}-59", "shots", 1)["w"] == worker
    cache.close()


_WORKER = textwrap.dedent(
    """
    import sys
    import numpy as np
    from engine.cache.store import AnalysisCache

    path, worker = sys.argv[1], int(sys.argv[2])
    cache = AnalysisCache(path, timeout=30)
    for i in range(80):
        cache.put(f"fp{worker}-{i}", "shots", 1, np.full(500, worker * 1000 + i))
        # Everyone also rewrites one shared key, to force write contention.
        cache.put("shared", "shots", 1, [worker, i])
        assert cache.get(f"fp{worker}-{i}", "shots", 1)[0] == worker * 1000 + i
    cache.close()
    """
)


def test_processes_share_one_file(tmp_path):
    path = tmp_path / "analysis.sqlite"
    procs = [
        subprocess.Popen([sys.executable, "-c", _WORKER, str(path), str(w)], cwd=REPO,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for w in range(4)
    ]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, outputs
    assert not any("WARNING" in out or "failed" in out for out in outputs), outputs
    assert not list(tmp_path.glob("*.corrupt-*"))
    with AnalysisCache(path) as cache:
        for w in range(4):
            for i in (0, 79):
                assert cache.get(f"fp{w}-{i}", "shots", 1)[0] == w * 1000 + i
        assert cache.get("shared", "shots", 1)[1] == 79
