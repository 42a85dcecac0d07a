"""Options, callbacks and result of ``synthgen run``, and the small file helpers it uses."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synthgen.errors import InputError

STAGES = ("spec check", "generate", "validate", "load", "baseline pre", "apply indexes",
          "baseline post", "compare", "finish", "report")
FINISH = ("rollback", "keep", "teardown")
STATE_FILE = "run-state.json"
SEED_HINT = ".run-seed"
"""The seed of a generation in progress (a dot file: the generator leaves it alone)."""
OUR_FILES = (STATE_FILE, "spec-check.json", "load.json", "baseline-pre.json",
             "baseline-post.json", "indexes-apply.json", "compare.json", "report.json",
             "report.md", "report.html")
"""Files the run writes beside the dataset (removed before a dataset is regenerated)."""


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
    """None: the embedded server (.synthgen/pg under the working directory)."""
    schema: str = "perf_synthetic"
    out: Path | None = None
    """Dataset directory (default out/<band>)."""
    indexes: Path = Path("indexes/phase-2.sql")
    spec: Path | None = None
    tolerance: str = "normal"
    workers: int = 2
    jobs: int = 1
    runs: int = 10
    resume: bool = False
    force: bool = False
    finish: str = "rollback"
    progress: bool = False


@dataclass(slots=True)
class Events:
    """Callbacks the CLI draws with; all optional."""

    stage_start: Callable[[str], None] = lambda _name: None
    stage_end: Callable[[dict[str, Any]], None] = lambda _stage: None
    note: Callable[[str], None] = lambda _msg: None


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


def write_json(path: Path, doc: dict[str, Any]) -> None:
    """Write JSON atomically (temporary name, then rename)."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(doc, indent=1, default=str) + "\n", encoding="utf-8")
    tmp.replace(path)


def read_json(path: Path) -> dict[str, Any] | None:
    """A JSON object from a file; None when missing or unreadable."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return doc if isinstance(doc, dict) else None
