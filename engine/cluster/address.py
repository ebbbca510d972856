"""What a cluster address and a path mapping may say."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

_LOCAL = re.compile(r"^local(?::(\d+))?$")
_CLIENT = re.compile(r"^ray://([^:/]+):(\d+)$")


class ClusterAddressError(ValueError):
    """An address that is neither ``local[:N]`` nor ``ray://HOST:PORT``; one line."""


@dataclass(frozen=True)
class ClusterAddress:
    """Where the work goes: a local cluster of `workers` processes, or a cluster's Ray Client port."""

    text: str
    workers: int | None = None  # local only: how many tasks run at once (None: one per core)
    host: str | None = None
    port: int | None = None

    @property
    def local(self) -> bool:
        return self.host is None


def parse_address(text: str) -> ClusterAddress:
    """``local``, ``local:N`` or ``ray://HOST:PORT``.

    Raises:
        ClusterAddressError: anything else.
    """
    text = text.strip()
    match = _LOCAL.match(text)
    if match:
        workers = int(match.group(1)) if match.group(1) else None
        if workers is not None and workers < 1:
            raise ClusterAddressError(f"{text}: a local cluster needs at least one worker")
        return ClusterAddress(text, workers=workers)
    match = _CLIENT.match(text)
    if match:
        return ClusterAddress(text, host=match.group(1), port=int(match.group(2)))
    raise ClusterAddressError(f"{text!r} is not a cluster address: use local, local:N or ray://HOST:PORT")


@dataclass(frozen=True)
class PathMap:
    """One prefix the caller sees (``/Volumes/Dailies``) and where workers see it (``/mnt/dailies``).

    Written ``CALLER=WORKER`` in the settings and on the command line; empty means workers
    see the caller's paths as they are.
    """

    caller: str = ""
    worker: str = ""

    @classmethod
    def parse(cls, text: str | None) -> PathMap:
        if not text or not text.strip():
            return cls()
        caller, sep, worker = text.partition("=")
        if not sep or not caller.strip() or not worker.strip():
            raise ClusterAddressError(f"{text!r} is not a path mapping: use CALLER_PREFIX=WORKER_PREFIX")
        return cls(caller.strip(), worker.strip())

    def to_worker(self, path: str | os.PathLike[str]) -> str:
        """`path` as a worker names it (unchanged outside the mapped prefix)."""
        text = os.fspath(path)
        if not self.caller:
            return text
        flavour = PureWindowsPath if "\\" in self.caller or re.match(r"^[A-Za-z]:", self.caller) else PurePosixPath
        try:
            rest = flavour(text).relative_to(flavour(self.caller))
        except ValueError:
            return text
        target = PureWindowsPath if "\\" in self.worker or re.match(r"^[A-Za-z]:", self.worker) else PurePosixPath
        return str(target(self.worker).joinpath(*rest.parts))
