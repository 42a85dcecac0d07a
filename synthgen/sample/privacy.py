"""From raw aggregates to publishable ones: k-suppression, coarsening, optional DP noise.

The rules (documented in the README, applied to every measurement):

- **Cells.** A histogram or mix cell counted over 1..k-1 distinct entities (users or
  conversations) is suppressed (``null``). If any cell is suppressed, the smallest non-zero
  cell that was not suppressed is suppressed too: the published total then only reveals the
  sum of a group that includes a cell of at least k entities, so no small cell can be derived
  by subtraction. If no such cell exists, the whole histogram (and its total) is withheld.
  When another metric publishes the totals of groups of cells (the size classes over the
  member-count histogram, the heavy-room count over the message-count histogram), the rule
  is applied inside each group.
- **Quantiles.** Quantile p over n entities is published only when min(p, 1-p) * n >= k
  (a p99 needs 100 k entities), rounded to 2 significant digits; a maximum is never measured.
- **Scalars** (rates, ratios, Gini, means) need at least k entities behind them (or none at
  all: "no heavy rooms" is a publishable 0) and are rounded to 3 significant digits;
  population totals are rounded to 2.
- **Epsilon.** With ``epsilon``, every histogram and mix gets discrete Laplace noise from
  OpenDP (the budget split evenly; half of each share for the published counts, half for the
  entity counts the suppression rule reads), and everything else is derived from the noisy
  histograms by post-processing or withheld. The unit of privacy is one counted row (a
  message, a read, a conversation, a user row): event-level, not person-level.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from synthgen.errors import EnvironmentProblem, InputError
from synthgen.sample.queries import Cat, Hist, Measure, Quant, Raw, RawCounts, RawQuantiles, RawScalar


def sig(x: float, digits: int) -> float:
    """Round to significant digits.

    >>> sig(4327.0, 2)
    4300.0
    >>> sig(0.012345, 3)
    0.0123
    """
    if x == 0 or not math.isfinite(x):
        return 0.0 if x == 0 else x
    return float(f"{x:.{digits}g}")


def suppress(counts: Sequence[int], entities: Sequence[int], k: int) -> list[bool]:
    """Which cells to hide: small ones, plus the complementary cell that protects them.

    >>> suppress([50, 3, 40], [20, 2, 15], k=10)
    [False, True, True]
    >>> suppress([50, 0, 40], [20, 0, 15], k=10)
    [False, False, False]
    >>> suppress([5, 0, 0], [4, 0, 0], k=10)
    [True, True, True]
    """
    hidden = [0 < e < k for e in entities]
    if not any(hidden):
        return hidden
    free = [i for i, c in enumerate(counts) if c > 0 and not hidden[i]]
    if not free:
        return [True] * len(counts)
    hidden[min(free, key=lambda i: (counts[i], i))] = True
    return hidden


def suppress_grouped(counts: Sequence[int], entities: Sequence[int], k: int,
                     groups: Sequence[int] = ()) -> list[bool]:
    """``suppress`` inside each group (group totals are published elsewhere).

    >>> suppress_grouped([50, 3, 40, 30, 20], [20, 2, 15, 12, 11], 10, groups=[0, 0, 0, 1, 1])
    [False, True, True, False, False]
    """
    if not groups:
        return suppress(counts, entities, k)
    hidden = [False] * len(counts)
    for g in set(groups):
        cells = [i for i, gi in enumerate(groups) if gi == g]
        for i, h in zip(cells, suppress([counts[i] for i in cells], [entities[i] for i in cells], k),
                        strict=True):
            hidden[i] = h
    return hidden


def publish_counts(counts: Sequence[int], entities: Sequence[int], k: int,
                   groups: Sequence[int] = ()) -> dict[str, Any]:
    """Counts, shares and total with the suppression rule applied."""
    hidden = suppress_grouped(counts, entities, k, groups)
    if all(hidden) and any(c > 0 for c in counts):
        return {"counts": [None] * len(counts), "shares": [None] * len(counts), "total": None,
                "suppressed": len(counts)}
    total = int(sum(counts))
    return {"counts": [None if h else int(c) for c, h in zip(counts, hidden, strict=True)],
            "shares": [None if h or total == 0 else round(c / total, 4)
                       for c, h in zip(counts, hidden, strict=True)],
            "total": total, "suppressed": int(sum(hidden))}


def publish_quantiles(probs: Sequence[float], raw: RawQuantiles, k: int) -> dict[str, Any]:
    """Quantiles with enough entities on both sides, 2 significant digits; the mean, 3."""
    n = raw.entities
    values = [None if v is None or min(p, 1 - p) * n < k else sig(v, 2)
              for p, v in zip(probs, raw.values, strict=True)]
    mean = None if raw.mean is None or n < k else sig(raw.mean, 3)
    return {"probs": list(probs), "values": values, "mean": mean}


def publish_scalar(name: str, raw: RawScalar, k: int) -> float | None:
    """A scalar with no entities or at least k behind it, coarsened."""
    if raw.value is None or 0 < raw.entities < k or not math.isfinite(raw.value):
        return None
    return sig(raw.value, 2 if name.startswith("population.") else 3)


def interpolate_quantiles(edges: Sequence[float], counts: Sequence[float],
                          probs: Sequence[float]) -> list[float | None]:
    """Quantiles of a histogram, linear inside a bucket (the open last bucket: its lower edge).

    >>> interpolate_quantiles([0, 10, 20], [50, 50, 0], [0.25, 0.5, 0.75])
    [5.0, 10.0, 15.0]
    """
    total = float(sum(counts))
    if total <= 0:
        return [None] * len(probs)
    out: list[float | None] = []
    for p in probs:
        target, acc = p * total, 0.0
        value: float | None = float(edges[-1])
        for i, c in enumerate(counts):
            if c > 0 and acc + c >= target:
                lo = float(edges[i])
                hi = float(edges[i + 1]) if i + 1 < len(edges) else lo
                value = lo + (hi - lo) * (target - acc) / c
                break
            acc += c
        out.append(value)
    return out


@dataclass
class NoiseBudget:
    """Splits epsilon evenly over the noisy releases and keeps the ledger of what was spent."""

    epsilon: float
    releases: int
    spent: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not (self.epsilon > 0 and math.isfinite(self.epsilon)):
            raise InputError(f"--epsilon must be a positive number, got {self.epsilon}")

    def noisy(self, name: str, values: Sequence[int], sensitivity: int) -> list[int]:
        """Discrete Laplace noise (OpenDP) for one count vector at epsilon / (2 * releases)."""
        try:
            import opendp.prelude as dp
        except ImportError:
            raise EnvironmentProblem("--epsilon needs the 'opendp' package "
                                     "(pip install opendp)") from None
        dp.enable_features("contrib")
        eps = self.epsilon / (2 * self.releases)
        space = dp.vector_domain(dp.atom_domain(T="i64")), dp.l1_distance(T="i64")
        meas = dp.m.make_laplace(*space, scale=sensitivity / eps)
        used = float(meas.map(sensitivity))  # type: ignore[no-untyped-call]
        self.spent.append({"release": name, "sensitivity": sensitivity, "epsilon": used})
        return [max(0, int(v)) for v in meas([int(v) for v in values])]

    @property
    def total_spent(self) -> float:
        return float(sum(s["epsilon"] for s in self.spent))


def noisy_counts(m: Hist | Cat, raw: RawCounts, budget: NoiseBudget) -> RawCounts:
    """The same histogram with noisy counts and noisy entity counts."""
    counts = budget.noisy(f"{m.name}.counts", raw.counts, m.sensitivity)
    entities = budget.noisy(f"{m.name}.entities", raw.entities, 1)
    return RawCounts(counts, entities, 0)


def publish_one(m: Measure, raw: Raw, k: int) -> Any:
    """Publish one measurement without noise."""
    if isinstance(m, Hist | Cat):
        assert isinstance(raw, RawCounts)
        key = "edges" if isinstance(m, Hist) else "labels"
        axis: list[Any] = list(m.edges) if isinstance(m, Hist) else list(m.labels)
        return {key: axis, **publish_counts(raw.counts, raw.entities, k, m.groups)}
    if isinstance(m, Quant):
        assert isinstance(raw, RawQuantiles)
        return publish_quantiles(m.probs, raw, k)
    assert isinstance(raw, RawScalar)
    return publish_scalar(m.name, raw, k)
