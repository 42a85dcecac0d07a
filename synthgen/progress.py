"""Per-table progress bars (rows, rows/s, ETA) on a terminal; silent otherwise."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from types import TracebackType
from typing import Any, Protocol


class _HasRows(Protocol):
    @property
    def table(self) -> str: ...

    @property
    def rows(self) -> int: ...


class TableProgress:
    """One bar per table; totals may be estimates and are corrected as files land."""

    def __init__(self, totals: dict[str, int], enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.totals = totals
        self._progress: Any = None
        self._tasks: dict[str, Any] = {}

    def __enter__(self) -> TableProgress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._progress = Progress(
                TextColumn("{task.description:<20}"), BarColumn(), MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(), TimeRemainingColumn(),
                console=Console(stderr=True), transient=False)
            self._progress.start()
        return self

    def advance(self, files: Sequence[_HasRows]) -> None:
        if not self._progress:
            return
        for f in files:
            if f.table not in self._tasks:
                self._tasks[f.table] = self._progress.add_task(
                    f.table, total=self.totals.get(f.table), rate="")
            task_id = self._tasks[f.table]
            self._progress.advance(task_id, f.rows)
            task = self._progress.tasks[task_id]
            rate = task.completed / task.elapsed if task.elapsed else 0.0
            self._progress.update(task_id, rate=f"{rate:,.0f} rows/s")

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._progress:
            for task_id in self._tasks.values():
                task = self._progress.tasks[task_id]
                self._progress.update(task_id, total=task.completed)
            self._progress.stop()
