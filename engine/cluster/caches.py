"""The two stand-ins for the analysis cache that let a job run on a worker and cache at home.

The per-file jobs look results up with ``cache.get(fingerprint, analyser, version)`` before any
decoding and store them with ``cache.put``. On the caller, `HitsOnly` runs a job against the
real cache until its first miss: a file analysed before needs no task at all, and the hits
found on the way travel with the task. On the worker, `Shipped` answers from those hits and
records every ``put``, which goes home with the result and into the caller's cache, so a
worker needs no cache of its own and the farm's results land under the same fingerprints.
"""
from __future__ import annotations

from typing import Any

Key = tuple[str, str, str]  # fingerprint, analyser, version (as text, like the cache)


class Missed(Exception):
    """`HitsOnly` met a result the cache does not hold: the file needs computing."""


class HitsOnly:
    """The caller's cache, read only, raising `Missed` at the first miss; remembers the hits."""

    def __init__(self, cache) -> None:
        self.cache = cache
        self.hits: dict[Key, Any] = {}

    def get(self, fingerprint: str, analyser: str, version) -> Any:
        value = self.cache.get(fingerprint, analyser, version)
        if value is None:
            raise Missed(analyser)
        self.hits[(fingerprint, analyser, str(version))] = value
        return value

    def put(self, *_args) -> None:
        """Nothing is computed here, so nothing new is stored."""

    def discard(self, *_args) -> None:
        pass

    def close(self) -> None:
        pass


class Shipped:
    """A worker's cache: the caller's hits, plus a record of what the job stored."""

    def __init__(self, hits: dict[Key, Any]) -> None:
        self.values = dict(hits)
        self.stored: list[tuple[str, str, str, Any]] = []

    def get(self, fingerprint: str, analyser: str, version) -> Any | None:
        return self.values.get((fingerprint, analyser, str(version)))

    def put(self, fingerprint: str, analyser: str, version, value: Any) -> None:
        if value is None:
            raise TypeError("None cannot be cached: get() returns None for a miss")
        key = (fingerprint, analyser, str(version))
        self.values[key] = value
        self.stored = [entry for entry in self.stored if entry[:3] != key]
        self.stored.append((*key, value))

    def discard(self, *_args) -> None:
        pass

    def close(self) -> None:
        pass
