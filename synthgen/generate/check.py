"""spec check as a library call: band + spec + seed → the plan's feasibility and size.

The CLI (``synthgen spec check``), ``run`` and ``generate`` all call ``spec_check``; each
words the result for its own audience (notes are the caller's business, not this module's).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synthgen.bands import Band
from synthgen.generate.fan_out import fan_out_json
from synthgen.generate.feasibility import (
    Feasibility,
    TableSize,
    check_plan,
    disk_warning,
    estimate_bytes,
)
from synthgen.generate.plan import Plan, plan_for, resolve
from synthgen.spec_model import Spec

CHECK_SEED = "spec-check"
"""Seed of the plan `synthgen spec check` evaluates when none is given."""


@dataclass(frozen=True)
class SpecCheck:
    """What a band + spec + seed will achieve, how big it will be, and whether it fits."""

    band: Band
    spec: Spec
    """The spec with the band's overrides applied."""
    seed: str
    plan: Plan = field(repr=False, compare=False)
    """The plan the check was made on (generate builds the dataset from it)."""
    feasibility: Feasibility
    estimates: Mapping[str, TableSize]
    """Expected size per table, in schema order."""
    disk_warning: str | None
    """Set when the filesystem of `out` has less free space than the Parquet estimate."""

    @property
    def feasible(self) -> bool:
        """Whether every target is feasible."""
        return self.feasibility.feasible

    @property
    def infeasible(self) -> tuple[str, ...]:
        """Metrics of the targets the band cannot meet."""
        return tuple(t.metric for t in self.feasibility.targets if not t.feasible)

    def to_json(self) -> dict[str, Any]:
        """The spec-check report: feasibility.json's fields + estimates + disk_warning."""
        return {**self.feasibility.to_json(),
                "reads": fan_out_json(self.spec, self.band),
                "estimates": {t: e.to_json() for t, e in self.estimates.items()},
                "disk_warning": self.disk_warning}


def spec_check(band: str | Band, spec_path: Path | str | None = None,
               out: Path | str | None = None, *, seed: str = CHECK_SEED) -> SpecCheck:
    """Resolve band and spec, plan them for `seed`, and check the plan (free space at `out`).

    Raises SpecError when the band cannot be planned with this spec at all.
    """
    b, spec = resolve(band, spec_path)
    plan = plan_for(seed, b, spec)
    sizes = estimate_bytes(plan)
    warning = None
    if out is not None:
        warning = disk_warning(Path(out), sum(v.parquet for v in sizes.values()))
    return SpecCheck(band=b, spec=spec, seed=seed, plan=plan, feasibility=check_plan(plan),
                     estimates=sizes, disk_warning=warning)
