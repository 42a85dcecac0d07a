"""Load progress: a rich bar per table on a terminal, one plain line per table otherwise."""

from __future__ import annotations

import sys
import threading
import time
from types import TracebackType
from typing import Any


class Progress:
    """Thread-safe row counters per table; rendering depends on ``rich_ui``."""

    def __init__(self, totals: dict[str, int], *, enabled: bool, rich_ui: bool) -> None:
        self.totals = totals
        self.enabled = enabled
        self.rich_ui = rich_ui and enabled
        self.done = dict.fromkeys(totals, 0)
        self.started = dict.fromkeys(totals, 0.0)
        self.resumed = dict.fromkeys(totals, 0)
        self._lock = threading.Lock()
        self._bar: Any = None
        self._tasks: dict[str, Any] = {}

    def __enter__(self) -> Progress:
        if self.rich_ui:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TaskProgressColumn,
                TextColumn,
                TimeElapsedColumn,
            )
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(TextColumn("{task.description:<20}"), BarColumn(),
                                     MofNCompleteColumn(), TaskProgressColumn(),
                                     TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
                                     console=Console(stderr=True), transient=False)
            self._bar.__enter__()
            for table, total in self.totals.items():
                self._tasks[table] = self._bar.add_task(table, total=total, rate="")
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.__exit__(et, ev, tb)

    def skip(self, table: str, rows: int) -> None:
        """Rows already loaded by an earlier attempt (resume): counted, not timed."""
        with self._lock:
            self.done[table] += rows
            self.resumed[table] = rows
        if self._bar is not None:
            self._bar.update(self._tasks[table], completed=self.done[table])

    def add(self, table: str, rows: int, _bytes: int) -> None:
        """Count ``rows`` more rows of ``table`` (called as batches stream out)."""
        with self._lock:
            if not self.started[table]:
                self.started[table] = time.perf_counter()
            self.done[table] += rows
            done = self.done[table]
        if self._bar is not None:
            self._bar.update(self._tasks[table], completed=done)

    def unit_done(self, table: str) -> None:
        """A unit committed: in plain mode, one line when its table is complete."""
        with self._lock:
            done, total = self.done[table], self.totals[table]
            elapsed = max(time.perf_counter() - self.started[table], 1e-3)
            rows = done - self.resumed[table]
        if self._bar is not None:
            self._bar.update(self._tasks[table], rate=f"{rows / elapsed:,.0f} rows/s")
        elif self.enabled and done >= total:
            print(f"loaded {table}: {done:,} rows ({rows / elapsed:,.0f} rows/s)",
                  file=sys.stderr, flush=True)

    def note(self, message: str) -> None:
        """A phase message (constraints, analyze)."""
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.console.print(message)
        else:
            print(message, file=sys.stderr, flush=True)
