"""The analysis cache: hits, misses, versions, value round trips and damaged files."""
from __future__ import annotations

import dataclasses
import logging
import sqlite3

import numpy as np
import pytest

from engine.cache import codec
from engine.cache.fingerprint import fingerprint
from engine.cache.store import AnalysisCache, cached
from engine.settings import cache_dir


@codec.register_dataclass(name="tests.Shot")
@dataclasses.dataclass(frozen=True)
class Shot:
    start: int
    end: int
    score: float
    curve: np.ndarray = dataclasses.field(compare=False)
    label: str | None = None


@codec.register_dataclass
@dataclasses.dataclass
class WithDerived:
    n: int
    twice: int = dataclasses.field(init=False)

    def __post_init__(self):
        self.twice = 2 * self.n


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "analysis.sqlite"
    with AnalysisCache(path) as cache:
        yield cache


def test_default_location_is_the_user_cache_dir():
    cache = AnalysisCache()
    assert cache.path == cache_dir() / "analysis.sqlite"
    cache.put("fp", "shots", 1, [1])
    assert cache.path.is_file()
    cache.close()


def test_miss_then_hit(db):
    assert db.get("fp", "shots", 1) is None
    db.put("fp", "shots", 1, {"cuts": [10, 20]})
    assert db.get("fp", "shots", 1) == {"cuts": [10, 20]}
    assert db.get("other", "shots", 1) is None
    assert db.get("fp", "faces", 1) is None


def test_version_bump_misses_and_replaces(db):
    db.put("fp", "shots", 1, [1])
    assert db.get("fp", "shots", 2) is None
    db.put("fp", "shots", 2, [2])
    assert db.get("fp", "shots", 2) == [2]
    assert db.get("fp", "shots", 1) is None  # one row per analyser: old results go


def test_survives_reopening(tmp_path):
    path = tmp_path / "c.sqlite"
    with AnalysisCache(path) as cache:
        cache.put("fp", "shots", "1.2", np.arange(5))
    with AnalysisCache(path) as cache:
        np.testing.assert_array_equal(cache.get("fp", "shots", "1.2"), np.arange(5))


def test_numpy_round_trip(db):
    value = {
        "f32": np.linspace(0, 1, 7, dtype=np.float32),
        "image": np.arange(24, dtype=np.uint8).reshape(2, 3, 4),
        "fortran": np.asfortranarray(np.eye(3)),
        "empty": np.zeros((0, 5)),
        "scalar": np.float64(0.25),
        "int": np.int64(-3),
        "record": np.zeros(2, dtype=[("t", "f8"), ("k", "i4")]),
    }
    db.put("fp", "features", 1, value)
    got = db.get("fp", "features", 1)
    for key, expected in value.items():
        assert type(got[key]) is type(expected), key
        assert np.asarray(got[key]).dtype == np.asarray(expected).dtype, key
        np.testing.assert_array_equal(got[key], expected)


def test_plain_data_round_trip(db):
    value = {
        "none": None,
        "bool": True,
        "float": 1.5,
        "nan": float("nan"),
        "text": "Ünïcode ✂",
        "tuple": (1, (2, 3)),
        "int_keys": {1: "a", (2, 3): "b"},
        "bytes": b"\x00\xff",
        "nested": [{"__moviola__": "not a tag"}],
    }
    db.put("fp", "misc", 1, value)
    got = db.get("fp", "misc", 1)
    assert np.isnan(got.pop("nan"))
    value.pop("nan")
    assert got == value
    assert type(got["tuple"]) is tuple and type(got["tuple"][1]) is tuple


def test_dataclass_round_trip(db):
    shots = [Shot(0, 24, 0.5, np.array([0.1, 0.2]), "calm"), Shot(24, 50, -1.0, np.zeros(3))]
    db.put("fp", "shots", 1, shots)
    got = db.get("fp", "shots", 1)
    assert got == shots and all(isinstance(s, Shot) for s in got)
    np.testing.assert_array_equal(got[0].curve, [0.1, 0.2])
    db.put("fp", "derived", 1, WithDerived(4))
    assert db.get("fp", "derived", 1).twice == 8


def test_unsupported_values_are_refused_at_put(db):
    @dataclasses.dataclass
    class Unregistered:
        x: int

    with pytest.raises(TypeError, match="register_dataclass"):
        db.put("fp", "x", 1, Unregistered(1))
    with pytest.raises(TypeError, match="object"):
        db.put("fp", "x", 1, np.array([object()]))
    with pytest.raises(TypeError):
        db.put("fp", "x", 1, {1, 2})
    with pytest.raises(TypeError, match="None"):
        db.put("fp", "x", 1, None)


def test_never_unpickles(db, monkeypatch):
    """A payload claiming to be an object array is refused, not unpickled."""
    import io
    import pickle

    db.put("fp", "x", 1, np.arange(3))
    buffer = io.BytesIO()
    np.savez(buffer, a0=np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    conn = sqlite3.connect(db.path)
    with conn:
        conn.execute("UPDATE results SET arrays = ?", (buffer.getvalue(),))
    conn.close()
    monkeypatch.setattr(pickle, "loads", lambda *a, **k: pytest.fail("pickle used"))
    assert db.get("fp", "x", 1) is None


def test_changed_dataclass_fields_miss(db):
    db.put("fp", "shots", 1, Shot(0, 1, 0.0, np.zeros(1)))
    conn = sqlite3.connect(db.path)
    with conn:
        payload = conn.execute("SELECT payload FROM results").fetchone()[0]
        conn.execute("UPDATE results SET payload = ?", (payload.replace('"label"', '"mood"'),))
    conn.close()
    assert db.get("fp", "shots", 1) is None


def _fill(path, rows=200):
    with AnalysisCache(path) as cache:
        for i in range(rows):
            cache.put(f"fp{i}", "shots", 1, {"curve": np.arange(2000) + i})


def _assert_rebuilt(path, caplog):
    caplog.set_level(logging.WARNING, logger="engine.cache.store")
    with AnalysisCache(path) as cache:
        assert cache.get("fp150", "shots", 1) is None  # no exception, just a miss
        cache.put("fp150", "shots", 1, [1, 2])
        assert cache.get("fp150", "shots", 1) == [1, 2]
    aside = list(path.parent.glob(path.name + ".corrupt-*"))
    assert len(aside) == 1, aside
    assert any("moved it to" in r.getMessage() for r in caplog.records)
    return aside[0]


def test_garbage_file_is_moved_aside_and_rebuilt(tmp_path, caplog):
    path = tmp_path / "analysis.sqlite"
    path.write_bytes(b"this is not SQLite at all " * 1000)
    aside = _assert_rebuilt(path, caplog)
    assert aside.read_bytes().startswith(b"this is not SQLite")


@pytest.mark.parametrize("keep", [lambda n: n // 2, lambda n: n // 10, lambda n: 50], ids=["half", "tenth", "50 bytes"])
def test_truncated_file_is_moved_aside_and_rebuilt(tmp_path, caplog, keep):
    path = tmp_path / "analysis.sqlite"
    _fill(path)
    with open(path, "r+b") as f:
        f.truncate(keep(path.stat().st_size))
    _assert_rebuilt(path, caplog)


def test_wrong_schema_is_moved_aside_and_rebuilt(tmp_path, caplog):
    path = tmp_path / "analysis.sqlite"
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("CREATE TABLE results (key TEXT, blob BLOB)")
        conn.execute("INSERT INTO results VALUES ('a', x'00')")
    conn.close()
    _assert_rebuilt(path, caplog)


def test_our_file_with_a_broken_table_is_rebuilt(tmp_path, caplog):
    path = tmp_path / "analysis.sqlite"
    _fill(path, rows=1)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DROP TABLE results")
        conn.execute("CREATE TABLE results (fingerprint TEXT)")
    conn.close()
    _assert_rebuilt(path, caplog)


def test_damage_while_open_is_rebuilt(tmp_path, caplog):
    path = tmp_path / "analysis.sqlite"
    _fill(path)
    caplog.set_level(logging.WARNING)
    with AnalysisCache(path) as cache:
        assert cache.get("fp3", "shots", 1) is not None
        cache.close()  # checkpoint the WAL so the damage below is what SQLite reads
        with open(path, "r+b") as f:
            f.seek(2 * 4096)
            f.write(b"\xde\xad" * 20000)
        for i in range(200):  # some read hits a damaged page; none may raise
            cache.get(f"fp{i}", "shots", 1)
        cache.put("new", "shots", 1, [7])
        assert cache.get("new", "shots", 1) == [7]
    assert list(tmp_path.glob("analysis.sqlite.corrupt-*"))


def test_unwritable_location_turns_caching_off(tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    cache = AnalysisCache(blocker / "sub" / "analysis.sqlite")  # parent is a file
    cache.put("fp", "shots", 1, [1])
    assert cache.get("fp", "shots", 1) is None
    assert "caching is off" in caplog.text


def test_memory_cache(tmp_path):
    cache = AnalysisCache(":memory:")
    cache.put("fp", "a", 1, [1])
    assert cache.get("fp", "a", 1) == [1]
    assert not list(tmp_path.iterdir())


def test_discard(db):
    db.put("fp", "a", 1, [1])
    db.put("fp", "b", 1, [2])
    db.discard("fp", "a")
    assert db.get("fp", "a", 1) is None and db.get("fp", "b", 1) == [2]
    db.discard("fp")
    assert db.get("fp", "b", 1) is None


def test_cached_helper_computes_once_per_content_and_version(tmp_path, db):
    clip = tmp_path / "clip.mov"
    clip.write_bytes(b"frames" * 1000)
    calls = []

    def compute(path):
        calls.append(path)
        return {"shots": [0, 12], "curve": np.ones(3)}

    first = cached(db, clip, "shots", 1, compute)
    again = cached(db, clip, "shots", 1, compute)
    assert calls == [clip]
    np.testing.assert_array_equal(again["curve"], first["curve"])

    moved = tmp_path / "renamed.mov"
    clip.rename(moved)
    cached(db, moved, "shots", 1, compute)
    assert len(calls) == 1  # same content, other name: still a hit

    cached(db, moved, "shots", 2, compute)
    assert len(calls) == 2  # new analyser version recomputes
    assert db.get(fingerprint(moved), "shots", 2) is not None


def test_cached_helper_does_not_store_none(db, tmp_path):
    clip = tmp_path / "clip.mov"
    clip.write_bytes(b"x")
    calls = []
    assert cached(db, clip, "a", 1, lambda p: calls.append(p)) is None
    assert cached(db, clip, "a", 1, lambda p: calls.append(p)) is None
    assert len(calls) == 2
