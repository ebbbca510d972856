"""Decoding ahead in a thread: PyAV releases the GIL while it decodes, so the consumer's
work (a network, optical flow) overlaps the decoder's."""
from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")
_END = object()


class Prefetched(Generic[T]):
    """Iterates what the producer thread made; `error` is what stopped it early, if anything."""

    def __init__(self, handoff: queue.Queue) -> None:
        self._handoff = handoff
        self.error: BaseException | None = None

    def __iter__(self) -> Iterator[T]:
        while (item := self._handoff.get()) is not _END:
            yield item


@contextlib.contextmanager
def prefetched(items: Iterator[T], depth: int = 8, name: str = "moviola-prefetch") -> Iterator[Prefetched[T]]:
    """Runs `items` in a thread, at most `depth` ahead; leaving the block stops the thread."""
    handoff: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    result: Prefetched[T] = Prefetched(handoff)

    def put(item) -> bool:
        while not stop.is_set():
            with contextlib.suppress(queue.Full):
                handoff.put(item, timeout=0.1)
                return True
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
        except Exception as exc:  # noqa: BLE001 - the consumer keeps what arrived and reports this
            result.error = exc
        put(_END)

    worker = threading.Thread(target=produce, name=name, daemon=True)
    worker.start()
    try:
        yield result
    finally:
        stop.set()
        worker.join()
