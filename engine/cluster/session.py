"""Connecting to a Ray cluster, or starting a local one, and saying what it is in one line."""
from __future__ import annotations

import logging
import socket
from dataclasses import dataclass

from engine.cluster.address import ClusterAddress, parse_address

INSTALL_HINT = "install the cluster extra: pip install -e '.[cluster]'"


class ClusterUnavailable(RuntimeError):
    """The cluster cannot be used (not reachable, Ray not installed); ``str()`` is one line."""


@dataclass(frozen=True)
class ClusterShape:
    """What the cluster offers, as Ray counts it."""

    nodes: int
    cpus: int
    gpus: int


def require_ray():
    """The `ray` module, or `ClusterUnavailable` naming the extra to install."""
    try:
        import ray
    except ImportError:
        raise ClusterUnavailable(f"Ray is not installed ({INSTALL_HINT})") from None
    return ray


class ClusterSession:
    """A connection to a cluster for the length of a ``with`` block.

    ``local:N`` starts a Ray instance on this machine with N worker slots and stops it at the
    end; ``ray://HOST:PORT`` connects through Ray Client and disconnects at the end. If this
    process is already connected to Ray (a test's cluster, a notebook), that connection is
    used and left as it was.

    Raises (on entry):
        ClusterUnavailable: Ray is missing or the address does not answer.
    """

    def __init__(self, address: str | ClusterAddress, connect_timeout_s: float = 5.0) -> None:
        self.address = parse_address(address) if isinstance(address, str) else address
        self.connect_timeout_s = connect_timeout_s
        self._owned = False

    def __enter__(self) -> ClusterSession:
        ray = require_ray()
        if ray.is_initialized():
            return self
        options = dict(include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING)
        if self.address.local:
            if self.address.workers is not None:
                options["num_cpus"] = self.address.workers
            try:
                ray.init(**options)
            except Exception as exc:  # noqa: BLE001 - Ray raises many kinds; the editor needs one line
                raise ClusterUnavailable(f"cannot start a local Ray cluster: {exc}") from None
        else:
            self._check_reachable()
            try:
                ray.init(f"ray://{self.address.host}:{self.address.port}", **options)
            except Exception as exc:  # noqa: BLE001
                raise ClusterUnavailable(f"{self.address.text}: cannot connect ({exc})") from None
        self._owned = True
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        if self._owned:
            import ray

            ray.shutdown()
            self._owned = False

    def _check_reachable(self) -> None:
        # Ray Client retries an unanswered address for a long time; a refused or silent port
        # is told at once, so the app can fall back to local work without a long wait.
        try:
            socket.create_connection((self.address.host, self.address.port), self.connect_timeout_s).close()
        except OSError as exc:
            raise ClusterUnavailable(f"{self.address.text}: not reachable ({exc.strerror or exc})") from None

    def shape(self) -> ClusterShape:
        import ray

        resources = ray.cluster_resources()
        nodes = sum(1 for node in ray.nodes() if node.get("Alive"))
        return ClusterShape(nodes, int(resources.get("CPU", 0)), int(resources.get("GPU", 0)))

    def describe(self) -> str:
        """``local Ray cluster: 2 workers on 1 node`` / ``ray://head:10001: 12 nodes, 384 CPUs, 8 GPUs``."""
        shape = self.shape()
        gpus = f", {shape.gpus} GPU{'s' if shape.gpus != 1 else ''}" if shape.gpus else ""
        if self.address.local:
            return (f"local Ray cluster: {shape.cpus} worker{'s' if shape.cpus != 1 else ''} "
                    f"on {shape.nodes} node{'s' if shape.nodes != 1 else ''}{gpus}")
        return (f"{self.address.text}: {shape.nodes} node{'s' if shape.nodes != 1 else ''}, "
                f"{shape.cpus} CPU{'s' if shape.cpus != 1 else ''}{gpus}")
