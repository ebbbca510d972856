"""Content fingerprints and the user folders they are cached in."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from engine import settings as paths
from engine.cache.fingerprint import BLOCK_SIZE, SAMPLE_COUNT, _sample_offsets, fingerprint


def test_user_dirs_honour_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("MOVIOLA_CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.setenv("MOVIOLA_CONFIG_DIR", str(tmp_path / "k"))
    assert paths.cache_dir() == tmp_path / "c"
    assert paths.config_dir() == tmp_path / "k"


def test_user_dirs_fall_back_to_platformdirs(monkeypatch):
    monkeypatch.delenv("MOVIOLA_CACHE_DIR")
    monkeypatch.delenv("MOVIOLA_CONFIG_DIR")
    import platformdirs

    assert paths.cache_dir() == Path(platformdirs.user_cache_dir("moviola"))
    assert paths.config_dir() == Path(platformdirs.user_config_dir("moviola"))


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.fixture
def big() -> bytes:
    # Several MiB of non-repeating bytes: large enough to be sampled, not hashed whole.
    return bytes(range(256)) * (12 * BLOCK_SIZE // 256 * 4 + 37)


def test_independent_of_name_folder_and_mtime(tmp_path, big):
    a = _write(tmp_path / "a.mov", big)
    (tmp_path / "sub").mkdir()
    b = tmp_path / "sub" / "renamed clip.mkv"
    shutil.copyfile(a, b)
    os.utime(b, (1_000_000, 1_000_000))
    assert fingerprint(a) == fingerprint(b)
    assert fingerprint(a) == fingerprint(str(a))  # str or Path


def test_format_names_algorithm_and_size(tmp_path):
    f = _write(tmp_path / "x", b"hello")
    algorithm, size, digest = fingerprint(f).split("-")
    assert (algorithm, size, len(digest)) == ("v1", "5", 32)


@pytest.mark.parametrize("where", ["start", "end", "middle_sample"])
def test_one_byte_change_in_a_sampled_block_changes_it(tmp_path, big, where):
    original = fingerprint(_write(tmp_path / "a", big))
    offsets = _sample_offsets(len(big))
    position = {"start": 10, "end": len(big) - 1, "middle_sample": offsets[SAMPLE_COUNT // 2] + 5}[where]
    changed = bytearray(big)
    changed[position] ^= 0x01
    assert fingerprint(_write(tmp_path / "b", bytes(changed))) != original


def test_size_change_changes_it(tmp_path, big):
    assert fingerprint(_write(tmp_path / "a", big)) != fingerprint(_write(tmp_path / "b", big + b"\0"))
    assert fingerprint(_write(tmp_path / "c", b"")) != fingerprint(_write(tmp_path / "d", b"\0"))


def test_small_files_are_hashed_whole(tmp_path):
    data = bytearray(b"x" * (3 * BLOCK_SIZE + 100))
    a = fingerprint(_write(tmp_path / "a", bytes(data)))
    data[2 * BLOCK_SIZE + 7] = ord("y")  # anywhere in a small file counts
    assert fingerprint(_write(tmp_path / "b", bytes(data))) != a


def test_cost_does_not_grow_with_length(tmp_path, monkeypatch):
    reads: list[int] = []
    for size in (10 * 2**20, 200 * 2**20):
        path = tmp_path / f"{size}.bin"
        with open(path, "wb") as f:  # sparse: cheap to create
            f.truncate(size)
        real_open = open

        class Counting:
            def __init__(self, f):
                self._f, self.count = f, 0

            def __getattr__(self, name):
                return getattr(self._f, name)

            def read(self, n=-1):
                data = self._f.read(n)
                self.count += len(data)
                return data

            def __enter__(self):
                return self

            def __exit__(self, *a):
                reads.append(self.count)
                self._f.close()

        monkeypatch.setattr("builtins.open", lambda p, mode="r", *a, _open=real_open, **k: Counting(_open(p, mode, *a, **k)))
        fingerprint(path)
        monkeypatch.setattr("builtins.open", real_open)
    assert reads[0] == reads[1] == SAMPLE_COUNT * BLOCK_SIZE


def test_real_clip(media):
    clip = media / "sources" / "asl_thanks.mkv"
    assert fingerprint(clip) == fingerprint(clip)
    assert fingerprint(clip).startswith(f"v1-{clip.stat().st_size}-")


def test_missing_file_raises_oserror(tmp_path):
    with pytest.raises(OSError):
        fingerprint(tmp_path / "nope.mov")
