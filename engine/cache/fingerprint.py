"""Content fingerprint of a media file, used as the analysis cache key.

Hashing a whole feature-length file takes minutes, so we hash a fixed number of
sampled blocks plus the exact size. Renaming, moving or touching a file keeps its
fingerprint; re-encoding or trimming it changes the size and almost surely the
sampled bytes. An edit confined to unsampled bytes of a large file of unchanged size
goes unnoticed: an accepted trade-off for media, where any real change rewrites the
container header (first block) or shifts the tail (last block).
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

BLOCK_SIZE = 64 * 1024
#: Blocks read from a large file: first, last, and evenly spaced ones between.
SAMPLE_COUNT = 8
#: Bumped when the sampling changes, so old cache keys can never collide with new ones.
ALGORITHM = "v1"


def fingerprint(path: str | os.PathLike[str]) -> str:
    """Return a fingerprint of a file's content, independent of its name, folder and mtime.

    Files up to ``SAMPLE_COUNT * BLOCK_SIZE`` bytes are hashed whole; larger ones
    by ``SAMPLE_COUNT`` blocks, so the cost does not grow with the file's length.

    Args:
        path: The file to fingerprint.

    Returns:
        A string like ``"v1-125601-<32 hex digits>"`` (algorithm, size, digest).

    Raises:
        OSError: If the file cannot be read.
    """
    with open(Path(path), "rb") as f:
        size = os.fstat(f.fileno()).st_size
        digest = hashlib.blake2b(digest_size=16, person=b"moviola-fp")
        digest.update(size.to_bytes(8, "little"))
        for offset in _sample_offsets(size):
            f.seek(offset)
            digest.update(offset.to_bytes(8, "little"))
            digest.update(f.read(BLOCK_SIZE))
    return f"{ALGORITHM}-{size}-{digest.hexdigest()}"


def _sample_offsets(size: int) -> list[int]:
    """Start offsets of the sampled blocks for a file of ``size`` bytes."""
    if size <= SAMPLE_COUNT * BLOCK_SIZE:
        return list(range(0, size, BLOCK_SIZE)) or [0]
    last = size - BLOCK_SIZE
    # Integer arithmetic keeps the offsets identical on every platform.
    return [last * i // (SAMPLE_COUNT - 1) for i in range(SAMPLE_COUNT)]
