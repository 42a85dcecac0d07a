"""The run record: what each stage of ``synthgen run`` produced, as typed results.

Stages read earlier results from the record and add their own; the report is built from the
record alone. ``run-state.json`` (``RunState``) remembers which inputs each stage's files
were made with, so ``--resume`` can reuse them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from synthgen.dataset import RUN_STATE, read_json, write_json
from synthgen.errors import DatasetError
from synthgen.pipeline.options import Events, RunOptions

if TYPE_CHECKING:
    from synthgen.generate import check as generate_check

STATE_FORMAT = "synthgen-run-state/1"

SeedSource = Literal["given", "dataset", "interrupted", "generated"]
"""Where the run's seed came from: ``--seed``, the complete dataset being resumed, the hint
an interrupted generation left, or made up now (the last two are worth telling the user)."""


class Result(Protocol):
    """What every stage returns: a one-line summary for the stage table of the report."""

    @property
    def note(self) -> str: ...


@dataclass(frozen=True, slots=True)
class SpecCheck:
    """What the band can achieve under the spec, and the estimated sizes (spec-check.json)."""

    check: generate_check.SpecCheck
    note: str

    @property
    def report(self) -> dict[str, Any]:
        """The document written as spec-check.json and kept in report.json."""
        return self.check.to_json()


@dataclass(frozen=True, slots=True)
class Generation:
    """The generator's report (generation.json), fresh or read back from a complete dataset."""

    report: dict[str, Any]
    note: str


@dataclass(frozen=True, slots=True)
class Gate:
    """A gate's document (fidelity.json or compare.json); its decision is the verdict."""

    doc: dict[str, Any]
    note: str

    @property
    def go(self) -> bool:
        return bool(self.doc["decision"] == "GO")


@dataclass(frozen=True, slots=True)
class Load:
    """The loader's report (load.json)."""

    report: dict[str, Any]
    note: str


@dataclass(frozen=True, slots=True)
class Baseline:
    """An EXPLAIN baseline (baseline-pre.json or baseline-post.json)."""

    doc: dict[str, Any]
    note: str
    rolled_back: tuple[str, ...] = ()
    """Indexes a kept earlier run left, rolled back first so "pre" is a true before."""


@dataclass(frozen=True, slots=True)
class Workload:
    """A workload replay (workload-pre.json or workload-post.json); None: not measured."""

    doc: dict[str, Any] | None
    note: str


@dataclass(frozen=True, slots=True)
class Applied:
    """What applying the index file did per statement (indexes-apply.json; None when a
    reused post baseline has no record of it)."""

    result: dict[str, Any] | None
    note: str


@dataclass(frozen=True, slots=True)
class Finish:
    """What happened to the indexes and schema after the verdict."""

    result: dict[str, Any]
    note: str


@dataclass(frozen=True, slots=True)
class Report:
    """report.json as written, and the paths of the three report files."""

    doc: dict[str, Any]
    paths: dict[str, Path]
    note: str


@dataclass(frozen=True, slots=True)
class StageOutcome:
    """One line of the stage table: done, skipped (reused), failed or not-run."""

    name: str
    status: Literal["done", "skipped", "failed", "not-run"]
    seconds: float
    note: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "seconds": self.seconds,
                "note": self.note}


@dataclass(slots=True)
class RunState:
    """``run-state.json``: each stage's inputs when it last finished."""

    doc: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def read(cls, root: Path) -> RunState:
        """The recorded state; empty when missing or unreadable (nothing is then reused)."""
        try:
            doc = read_json(root / RUN_STATE)
        except DatasetError:
            return cls()
        return cls(doc if isinstance(doc, dict) else {})

    def matches(self, stage: str, key: dict[str, Any]) -> bool:
        prev = self.doc.get("stages", {}).get(stage)
        return prev is not None and prev.get("key") == key

    def record(self, root: Path, stage: str, key: dict[str, Any], seconds: float, *,
               seed: str, band: str) -> None:
        """Note that ``stage`` finished with inputs ``key``, and save the file."""
        self.doc.setdefault("stages", {})[stage] = {
            "key": key, "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "seconds": round(seconds, 3)}
        self.doc.update({"format": STATE_FORMAT, "seed": seed, "band": band})
        write_json(root / RUN_STATE, self.doc, default=str)


@dataclass(slots=True)
class RunRecord:
    """One run: its options, its seed and target, and every stage's result so far."""

    opts: RunOptions
    events: Events = field(default_factory=Events)
    out: Path = Path()
    seed: str = ""
    seed_source: SeedSource = "given"
    state: RunState = field(default_factory=RunState)
    dsn: str | None = None
    """The resolved target, once a stage needed the database."""
    stages: list[StageOutcome] = field(default_factory=list)
    error: str | None = None
    spec_check: SpecCheck | None = None
    generation: Generation | None = None
    fidelity: Gate | None = None
    load: Load | None = None
    pre: Baseline | None = None
    workload_pre: Workload | None = None
    applied: Applied | None = None
    post: Baseline | None = None
    workload_post: Workload | None = None
    compare: Gate | None = None
    finish: Finish | None = None
    report: Report | None = None

    @classmethod
    def start(cls, opts: RunOptions, events: Events | None = None) -> RunRecord:
        """Check the options and fix the output directory; nothing is read or written yet."""
        opts.check()
        # absolute from the start: every message names a path valid where the user stands
        out = (opts.out or Path("out") / Path(opts.band).stem).absolute()
        return cls(opts, events or Events(), out=out, seed=opts.seed or "")

    def target(self) -> str:
        """The DSN to use, resolved once (no ``--dsn``: the embedded server, started now)."""
        if self.dsn is None:
            from synthgen.pg.target import resolve

            self.dsn = resolve(self.opts.dsn)
        return self.dsn

    def target_key(self) -> dict[str, Any]:
        """What makes database-side outputs reusable: the same server, schema and dataset."""
        from synthgen.pg.sql import redact_dsn

        return {"dsn": redact_dsn(self.target()), "schema": self.opts.schema, "seed": self.seed}

    def target_json(self) -> dict[str, Any] | None:
        """The target for the report (password redacted); None when no stage reached it."""
        from synthgen.pg.sql import redact_dsn

        if self.dsn is None:
            return None
        return {"dsn": redact_dsn(self.dsn), "schema": self.opts.schema,
                "embedded": self.opts.dsn is None}

    def options_json(self) -> dict[str, Any]:
        """The options for the report: paths as strings, the DSN redacted."""
        from synthgen.pg.sql import redact_dsn

        opts = {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(self.opts).items()}
        opts["dsn"] = redact_dsn(self.opts.dsn) if self.opts.dsn else None
        opts["out"] = str(self.out)
        return opts
