"""One fidelity check's outcome: the row of the table and the element of fidelity.json."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from synthgen.fidelity.tolerance import FAILED, OK

if TYPE_CHECKING:
    import duckdb

DISTRIBUTION, INTEGRITY, PII = "distribution", "integrity", "pii"
KINDS = (DISTRIBUTION, INTEGRITY, PII)
MAX_EXAMPLES = 3
"""Offending row ids reported per failed check (ids only, never the offending values)."""


@dataclass(frozen=True, slots=True)
class Check:
    """A distribution check (target vs achieved) or a pass/fail integrity or PII check.

    For integrity and PII checks ``target`` is 0 and ``achieved`` the number of offending
    rows; ``examples`` holds at most MAX_EXAMPLES of their ids.
    """

    name: str
    kind: str
    target: float | None
    achieved: float | None
    severity: str
    deviation: float | None = None
    band: float | None = None
    level: str | None = None
    infeasible: bool = False
    source: str | None = None
    spec_target: float | None = None
    n: int | None = None
    examples: tuple[str, ...] = field(default_factory=tuple)
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        def num(x: float | None) -> float | None:
            return None if x is None or not math.isfinite(x) else float(x)

        return {"name": self.name, "kind": self.kind, "target": num(self.target),
                "achieved": num(self.achieved), "deviation": num(self.deviation),
                "band": num(self.band), "level": self.level, "severity": self.severity,
                "infeasible": self.infeasible, "source": self.source,
                "spec_target": num(self.spec_target), "n": self.n,
                "examples": list(self.examples), "detail": self.detail}


def example_ids(con: duckdb.DuckDBPyConnection, sql: str) -> list[str]:
    """The first MAX_EXAMPLES ids a query (ordered by id) returns."""
    return [str(r[0]) for r in con.execute(f"{sql} LIMIT {MAX_EXAMPLES}").fetchall()]


def integrity_check(name: str, violations: int, examples: list[str] | tuple[str, ...] = (),
                    *, kind: str = INTEGRITY, n: int | None = None, detail: str = "") -> Check:
    """A pass/fail check: it fails when any row violates it."""
    return Check(name=name, kind=kind, target=0, achieved=violations,
                 severity=OK if violations == 0 else FAILED, n=n,
                 examples=tuple(str(e) for e in examples[:MAX_EXAMPLES]), detail=detail)
