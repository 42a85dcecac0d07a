"""Read ahead on a background thread, so Parquet decoding and DuckDB sorting overlap COPY.

The readers (pyarrow, DuckDB) release the GIL while they work, as the driver does while it
writes, so one reading thread per stream keeps the connection busy. The queue is bounded:
memory stays at ``depth`` batches per stream.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import Any, Generic, TypeVar

T = TypeVar("T")
_ITEM, _END, _ERROR = 0, 1, 2


class Prefetch(Iterator[T], Generic[T]):
    """Iterate ``source`` on a daemon thread, up to ``depth`` items ahead of the consumer.

    >>> list(Prefetch(iter(range(5))))
    [0, 1, 2, 3, 4]
    """

    def __init__(self, source: Iterable[T], depth: int = 2) -> None:
        self._queue: queue.Queue[tuple[int, Any]] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._finished = False
        self._thread = threading.Thread(target=self._produce, args=(iter(source),), daemon=True,
                                        name="synthgen-prefetch")
        self._thread.start()

    def _produce(self, it: Iterator[T]) -> None:
        try:
            for item in it:
                if not self._put((_ITEM, item)):
                    break
            else:
                self._put((_END, None))
        except BaseException as e:  # handed to the consumer, raised there
            self._put((_ERROR, e))
        finally:
            close = getattr(it, "close", None)
            if close is not None:
                close()  # release the reader (a DuckDB connection) on this thread

    def _put(self, message: tuple[int, Any]) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(message, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def __next__(self) -> T:
        if self._finished:
            raise StopIteration
        kind, value = self._queue.get()
        if kind == _ITEM:
            return value  # type: ignore[no-any-return]
        self._finished = True
        if kind == _ERROR:
            raise value
        raise StopIteration

    def close(self, timeout_s: float = 5.0) -> None:
        """Stop reading ahead (the consumer gave up); wait briefly for the thread."""
        self._stop.set()
        self._finished = True
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        self._thread.join(timeout_s)
