"""The transaction mix: the spec's ``workload`` weights, optionally overridden, as pgbench weights.

pgbench takes integer weights (``-f script@W``); the spec's relative weights are scaled so
the largest is ``SCALE`` and each positive weight is at least 1, and the effective shares
(what pgbench actually draws with) are recorded beside the requested ones.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from synthgen.errors import InputError
from synthgen.spec_model import WorkloadSpec
from synthgen.workload.scripts import TYPES

SCALE = 1000


@dataclass(frozen=True, slots=True)
class Mix:
    """Transaction types with positive weight, in catalogue order."""

    weights: dict[str, float]
    """Requested relative weight per type (positive only)."""
    pgbench_weights: dict[str, int]

    @property
    def names(self) -> list[str]:
        return list(self.weights)

    def shares(self) -> dict[str, float]:
        total = sum(self.pgbench_weights.values())
        return {k: round(v / total, 6) for k, v in self.pgbench_weights.items()}


def spec_weights(spec: WorkloadSpec) -> dict[str, float]:
    """The spec's weights keyed by transaction type (Q1, Q1b, ...)."""
    return {"Q1": spec.q1, "Q1b": spec.q1b, "Q3": spec.q3, "Q4": spec.q4, "Q6": spec.q6,
            "Q2": spec.q2, "Q5": spec.q5}


def parse_override(text: str) -> dict[str, float]:
    """``Q1=20,Q2=5`` → weights; InputError naming an unknown type or a bad number.

    >>> parse_override("Q1=20, q2=5")
    {'Q1': 20.0, 'Q2': 5.0}
    """
    canon = {t.lower(): t for t in TYPES}
    out: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition("=")
        name = canon.get(key.strip().lower())
        if name is None:
            close = difflib.get_close_matches(key.strip(), TYPES, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise InputError(f"unknown transaction type {key.strip()!r} in the mix{hint}; "
                             f"known: {', '.join(TYPES)}")
        try:
            out[name] = float(value) if sep else float("nan")
        except ValueError:
            out[name] = float("nan")
        if not out[name] >= 0:
            raise InputError(f"weight of {name} in the mix must be a number >= 0, got {value!r}")
    return out


def make_mix(weights: dict[str, float], only: list[str] | None = None) -> Mix:
    """The mix from weights (``only`` keeps a subset); InputError when nothing is left."""
    unknown = [k for k in weights if k not in TYPES]
    if unknown:
        raise InputError(f"unknown transaction type(s) {unknown} in the mix; known: "
                         f"{', '.join(TYPES)}")
    chosen = {k: float(weights[k]) for k in TYPES if k in weights and (only is None or k in only)}
    bad = {k: v for k, v in chosen.items() if not v >= 0}
    if bad:
        raise InputError(f"mix weights must be >= 0, got {bad}")
    positive = {k: v for k, v in chosen.items() if v > 0}
    if not positive:
        raise InputError("the mix's weights do not sum to a positive total: nothing to replay")
    top = max(positive.values())
    return Mix(positive, {k: max(1, round(v / top * SCALE)) for k, v in positive.items()})
