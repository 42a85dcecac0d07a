"""What ``synthgen run`` was asked to do, the callbacks it reports through, and its result."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from synthgen.errors import InputError

if TYPE_CHECKING:
    from synthgen.pipeline.record import RunRecord, StageOutcome

FINISH = ("rollback", "keep", "teardown")
DEFAULT_INDEXES = Path(__file__).resolve().parent.parent / "indexes" / "phase-2.sql"
"""The shipped phase-2 candidate (package data; the repository's ``indexes/`` holds the same
file as an editable example), so ``run`` works wherever its user stands."""


def default_seed(band: str, now: dt.datetime | None = None) -> str:
    """``<band>_<UTC date>_<6 random hex>``, e.g. ``dev_20261124_3fa9c1``."""
    day = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%d")
    return f"{Path(band).stem}_{day}_{secrets.token_hex(3)}"


@dataclass(slots=True)
class RunOptions:
    """What ``synthgen run`` was asked to do."""

    band: str
    seed: str | None = None
    dsn: str | None = None
    """None: the embedded server (one per user or project: ``pg.server.default_dir``)."""
    schema: str = "perf_synthetic"
    out: Path | None = None
    """Dataset directory (default out/<band>)."""
    indexes: Path = DEFAULT_INDEXES
    spec: Path | None = None
    tolerance: str = "normal"
    workers: int = 2
    jobs: int = 2
    runs: int = 10
    resume: bool = False
    force: bool = False
    finish: str = "rollback"
    progress: bool = False
    workload_seconds: int = 5
    """Length of each workload step pre and post the candidate; 0: no workload phase."""
    workload_clients: tuple[int, ...] = (1, 4)
    workload_repeats: int = 3

    def check(self) -> None:
        """Refuse bad options before any work (exit 2), not after generating and loading."""
        if self.finish not in FINISH:
            raise InputError(f"finish must be one of {', '.join(FINISH)}, got {self.finish!r}")
        for name, value in (("--workers", self.workers), ("--jobs", self.jobs),
                            ("--runs", self.runs), ("--workload-repeats", self.workload_repeats)):
            if value < 1:
                raise InputError(f"{name} must be >= 1, got {value}")
        if self.workload_seconds < 0:
            raise InputError(f"--workload-seconds must be >= 0 (0: no workload), got "
                             f"{self.workload_seconds}")
        if not self.workload_clients or any(c < 1 for c in self.workload_clients):
            raise InputError(f"--workload-clients must be positive integers, got "
                             f"{list(self.workload_clients)}")
        if not self.indexes.is_file():
            raise InputError(f"index file not found: {self.indexes.absolute()} (--indexes is "
                             "read relative to the current directory; without it the shipped "
                             "phase-2 candidate is used)")
        from synthgen.fidelity.tolerance import parse_tolerance

        parse_tolerance(self.tolerance)


def _ignore(*_args: Any) -> None:
    return None


@dataclass(slots=True)
class Events:
    """Callbacks the CLI draws with; all optional. The library passes data, the CLI words it."""

    stage_start: Callable[[str], None] = _ignore
    stage_end: Callable[[StageOutcome, RunRecord], None] = _ignore
    """A stage finished (or failed): its outcome, and the run record so far."""
    progress: Callable[[str], None] = _ignore
    """A transient progress message from inside a long stage (a spinner line)."""


@dataclass(slots=True)
class RunResult:
    """The report and where it was written."""

    report: dict[str, Any]
    paths: dict[str, Path] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return 0 if self.report["decision"] == "GO" else 1


def sha256_short(path: Path) -> str:
    """First 16 hex digits of a file's sha256; InputError when it is missing."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    except FileNotFoundError:
        raise InputError(f"index file not found: {path}") from None


def sha256_short_text(text: str) -> str:
    """First 16 hex digits of a text's sha256 (a stable number from a seed string).

    >>> sha256_short_text("dev_20261202_abcdef")
    '2ff7c4e7f5a1dcea'
    """
    return hashlib.sha256(text.encode()).hexdigest()[:16]
